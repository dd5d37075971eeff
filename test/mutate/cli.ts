/**
 * What the tests of `pg-rls-test mutate` share: the built CLI run in a child process as users run
 * it, its JSON report checked against mutation-testing-report-schema, and the suites that every
 * runner goes through on each backend (strong, weak, red, hang: test/mutate/fixture for Vitest,
 * test/mutate/jest for Jest, the same tests).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { OPERATORS } from '../../src/mutate/types.js';
import type { BackendCase } from '../helpers/backends.js';
import { assertBuilt, ROOT } from '../runners/built.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/mutation-testing-report-schema/dist/src/mutation-testing-report-schema.json'), 'utf8'));
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const validate = new (Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ allErrors: true, strict: false }).compile(schema);

export interface JsonMutant { id: string; mutatorName: string; status: string; description: string; replacement: string; coveredBy: string[]; killedBy: string[]; statusReason?: string }
export type Report = { files: Record<string, { mutants: JsonMutant[] }>; testFiles: Record<string, { tests: { id: string; name: string }[] }>; config: Record<string, unknown> };
export const mutantsOf = (r: Report) => Object.values(r.files).flatMap((f) => f.mutants);
export const tally = (r: Report) => mutantsOf(r).reduce<Record<string, number>>((t, m) => ({ ...t, [m.status]: (t[m.status] ?? 0) + 1 }), {});

/** A temp folder for the file's reports (and a check that dist/ is built); `work()` inside tests. */
export function useWorkDir(): () => string {
  let dir: string | undefined;
  // each test runs the CLI one to three times (a clean run and every mutant): minutes on a busy machine
  vi.setConfig({ testTimeout: 400_000 });
  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'pgrls-mutate-test-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => dir!;
}

/** `pg-rls-test mutate ...` from the repository's root, with the built CLI (or another copy of it). */
export function cli(args: string[], env: NodeJS.ProcessEnv, entry = join(ROOT, 'dist/cli.js')) {
  const r = spawnSync(process.execPath, [entry, 'mutate', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 400_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A JSON report, valid against the schema. */
export function report(file: string): Report {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
  expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
  return r;
}

export const envOf = (backend: BackendCase): NodeJS.ProcessEnv =>
  backend.name === 'url' ? { PG_RLS_TEST_BACKEND: 'url', PG_RLS_TEST_URL: backend.options.url! } : { PG_RLS_TEST_BACKEND: 'embedded' };

/** The arguments that pick a fixture suite for each runner. */
export const RUNNERS = {
  vitest: (suite: string) => ['--config', `test/mutate/fixture/vitest.${suite}.config.ts`],
  jest: (suite: string) => ['--runner', 'jest', '--config', `test/mutate/jest/${suite}.config.cjs`],
} as const;

/** The suites every runner goes through, on one backend. */
export function runnerSuites(runner: keyof typeof RUNNERS, backend: BackendCase, work: () => string): void {
  const env = envOf(backend);
  const suite = RUNNERS[runner];
  const out = (name: string) => join(work(), `${backend.name}-${runner}-${name}`);

  describe(runner, () => {
    test('the strong suite kills a mutant of every operator; a refused mutant is invalid, not killed', () => {
      const r = cli([...suite('strong'), '--json', out('strong.json')], env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const json = report(out('strong.json'));
      for (const op of OPERATORS) {
        expect(mutantsOf(json).some((m) => m.mutatorName === op && m.status === 'Killed'), `a killed ${op} mutant`).toBe(true);
      }
      const killed = mutantsOf(json).find((m) => m.status === 'Killed')!;
      expect(killed.killedBy.length).toBeGreaterThan(0);
      // why it was killed: the matcher's message without colours, more than its first line
      expect(killed.statusReason).not.toMatch(/\x1b/);
      expect(killed.statusReason).toMatch(/^(Error: )?expect\(.*\n\nExpected: /);
      const invalid = mutantsOf(json).filter((m) => m.status === 'CompileError');
      expect(invalid.map((m) => m.description)).toEqual(['SELECT on table public.audit_log revoked from authenticated']);
      expect(invalid[0]!.statusReason).toContain('dependent privileges exist');
      expect(r.stdout).toMatch(new RegExp(`^pg-rls-test mutate: \\d+ mutants of schema public, 4 tests \\(${runner}\\)\n`));
      expect(r.stdout).toMatch(/\nmutation score \d+\.\d% \(killed \d+, survived \d+, no coverage 0, timeout 0, invalid 1, skipped \d+\) in \d+\.\d s\n$/);
    });

    test('the weak suite: survivors of every operator, no coverage without a run, waivers, exit 1 below the threshold', () => {
      const waivers = out('waivers.json');
      writeFileSync(waivers, JSON.stringify([{ check: 'force_removed', object: 'public.notes', reason: 'the owner is a superuser anyway' }]));
      const r = cli([...suite('weak'), '--ignore', waivers, '--threshold', '100', '--json', out('weak.json')], env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(1);
      const json = report(out('weak.json'));
      const all = mutantsOf(json);
      for (const op of OPERATORS.filter((o) => o !== 'force_removed')) {
        expect(all.some((m) => m.mutatorName === op && m.status === 'Survived'), `a surviving ${op} mutant`).toBe(true);
      }
      const ignored = all.filter((m) => m.status === 'Ignored');
      expect(ignored.map((m) => [m.mutatorName, m.statusReason])).toEqual([['force_removed', 'the owner is a superuser anyway']]);
      const noCoverage = all.filter((m) => m.status === 'NoCoverage');
      expect(noCoverage.length).toBeGreaterThan(0);
      // audit_log is never touched; anonymous never acts in the weak suite, so what is granted to it is not covered either
      expect(noCoverage.some((m) => m.description.includes('audit_log'))).toBe(true);
      for (const m of noCoverage) {
        expect(m.coveredBy).toEqual([]);
        expect(m.description.includes('audit_log') || m.description.includes('anonymous')).toBe(true);
      }
      expect(r.stdout).toContain('ran:     nothing (no test touches this object)');
      expect(r.stdout).toContain('kill it: await expect(');
      expect(r.stdout).toMatch(/ignored 1\) in /);
    });

    test('a suite that fails unmutated is refused with exit 2, naming the test', () => {
      const r = cli(suite('red'), env);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('the suite fails on the unmutated schema (1 failing test)');
      expect(r.stderr).toContain('a wrong expectation');
      expect(r.stdout).toBe('');
    });

    test('a mutant run that exceeds its time is a Timeout (and detected)', () => {
      const r = cli([...suite('hang'), '--operators', 'using_true', '--timeout-factor', '1', '--json', out('hang.json')], env);
      expect(r.stderr).toBe('');
      const json = report(out('hang.json'));
      const timedOut = mutantsOf(json).filter((x) => x.status === 'Timeout');
      expect(timedOut.map((x) => x.description)).toEqual(['policy "own notes" (FOR SELECT) on public.notes: USING becomes true']);
      // the runs after the timeout still answer (a new Vitest worker, a new Jest process)
      expect(mutantsOf(json).filter((x) => x.status !== 'Timeout').every((x) => x.status === 'Killed' || x.status === 'Survived')).toBe(true);
      expect(r.stdout).toMatch(/timeout 1,/);
    });
  });
}
