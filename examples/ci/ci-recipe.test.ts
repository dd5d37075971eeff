/**
 * github-actions.yml's run: steps, run as written (bash -eo pipefail, as GitHub runs them) in a
 * throw-away copy of examples/posts laid out as a repository, with pg-rls-test and the test tools
 * linked from this one in place of `npm ci`: the test job's suite passes, and the audit step
 * exits 0 on the clean migrations, 1 once a migration adds a table without RLS, each time
 * writing a SARIF file that code scanning accepts, with the error at that migration's line.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertBuilt, ROOT } from '../../test/runners/built.js';
import { sarifProblems } from '../../test/helpers/sarif.js';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
const workflow = parse(readFileSync(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
const steps = (job: string) => workflow.jobs[job]!.steps;
const named = (job: string, name: string): Step => {
  const step = steps(job).find((s) => s.name === name);
  if (!step?.run) throw new Error(`github-actions.yml: job ${job} has no run: step named "${name}"`);
  return step;
};

/** The run: steps this test does not run, and why; every other one is run below. */
const NOT_RUN: Record<string, string> = {
  'npm ci': 'the copy links pg-rls-test (this build) and the test tools from this repository instead',
  'npx pg-rls-test mutate --ignore mutate-ignore.json --threshold 100 --html reports/mutation.html --json reports/mutation.json':
    'minutes long: `npm run mutate:examples` runs it on examples/posts with the same --ignore and --threshold',
  'exit 1': 'the step after a failed audit: the audit exit codes are asserted here',
};

let project: string;
beforeAll(() => {
  assertBuilt();
  project = mkdtempSync(join(tmpdir(), 'pgrls-ci-recipe-'));
  mkdirSync(join(project, '.git')); // the repository's root: SARIF paths are relative to it
  for (const f of ['migrations', 'posts.test.ts', 'mutate-ignore.json']) cpSync(join(ROOT, 'examples/posts', f), join(project, f), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'rls-example', private: true, type: 'module' }, null, 2));
  // a user's own config: the database starts in the first hook of a cold run
  writeFileSync(join(project, 'vitest.config.ts'), "import { defineConfig } from 'vitest/config';\nexport default defineConfig({ test: { hookTimeout: 120_000, testTimeout: 30_000 } });\n");
  // node_modules as `npm ci` would leave it, from this repository's: its packages, and this package built
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  for (const name of readdirSync(join(ROOT, 'node_modules'))) if (!name.startsWith('.')) symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
  for (const name of readdirSync(join(ROOT, 'node_modules/.bin'))) symlinkSync(join(ROOT, 'node_modules/.bin', name), join(modules, '.bin', name));
  symlinkSync(ROOT, join(modules, 'pg-rls-test'));
  symlinkSync(join(ROOT, 'dist/cli.js'), join(modules, '.bin/pg-rls-test'));
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** A run: step as GitHub runs it (bash --noprofile --norc -eo pipefail) at the repository's root. */
function runStep(step: Step) {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', CI: 'true' },
    timeout: 300_000,
  });
  return { status: r.status, out: stripVTControlCharacters(`${r.stdout}${r.stderr}`) };
}

test('every run: step is run here, or listed with the reason it is not', () => {
  const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run.trim()] : [])));
  const tested = [named('test', 'RLS tests').run, named('audit', 'pg-rls-test audit').run];
  expect(runs.filter((r) => !tested.includes(r) && !(r in NOT_RUN))).toEqual([]);
  // the report the audit step writes is the one the upload step sends
  const upload = steps('audit').find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  expect(named('audit', 'pg-rls-test audit').run).toMatch(new RegExp(`> ${upload!.with!.sarif_file}$`));
});

test("the test job's suite passes", () => {
  const r = runStep(named('test', 'RLS tests'));
  expect(r.out).toMatch(/Tests\s+\d+ passed/);
  expect(r.status).toBe(0);
}, 300_000);

test('the audit step: exit 0 on the clean migrations, 1 on a table without RLS, at its line; SARIF for upload-sarif each time', () => {
  const audit = named('audit', 'pg-rls-test audit');
  const report = join(project, 'results.sarif');

  const clean = runStep(audit);
  expect(clean).toEqual({ status: 0, out: '' });
  const cleanLog = JSON.parse(readFileSync(report, 'utf8'));
  expect(sarifProblems(cleanLog)).toEqual([]);
  expect(cleanLog.runs[0].results).toEqual([]);

  writeFileSync(join(project, 'migrations/002_notes.sql'), '-- notes: someone forgot RLS\n\nCREATE TABLE notes (id int PRIMARY KEY, body text);\n');
  rmSync(report);
  const broken = runStep(audit);
  expect(broken).toEqual({ status: 1, out: '' });
  expect(existsSync(report)).toBe(true);
  const log = JSON.parse(readFileSync(report, 'utf8'));
  expect(sarifProblems(log)).toEqual([]);
  expect(log.runs[0].results.map((x: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }) => [x.ruleId, x.level, x.locations[0]!.physicalLocation.artifactLocation.uri, x.locations[0]!.physicalLocation.region.startLine])).toEqual([
    ['rls_disabled_exposed', 'error', 'migrations/002_notes.sql', 3],
  ]);
}, 300_000);
