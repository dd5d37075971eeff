/**
 * `pg-rls-test mutate` with Vitest, run as users run it (the built CLI in a child process) on the
 * fixture project test/mutate/fixture, on each backend: a strong suite kills a mutant of every
 * operator, a weak one lets them survive; a red clean run, no coverage, a timeout, an invalid
 * mutant, waivers (test/mutate/cli.ts), shards merged into one run's totals, the package installed
 * in node_modules, the JSON against its schema, exit codes. Jest: mutate-jest.test.ts.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { forEachBackend } from '../helpers/backends.js';
import { ROOT } from '../runners/built.js';
import { cli, envOf, mutantsOf, report, RUNNERS, runnerSuites, tally, useWorkDir } from './cli.js';

const work = useWorkDir();

test('bad usage exits 2 before anything runs', () => {
  const a = cli(['--threshold', 'lots'], {});
  expect(a.status).toBe(2);
  expect(a.stderr).toContain('--threshold must be a percentage from 0 to 100, got "lots"');
  const b = cli(['--operators', 'using_true,nope'], {});
  expect(b.status).toBe(2);
  expect(b.stderr).toContain('--operators: unknown operator "nope"');
  const c = cli(['merge', 'a.json'], {});
  expect(c.status).toBe(2);
  expect(c.stderr).toContain('mutate merge needs');
  for (const [args, message] of [
    [['--runner', 'mocha'], '--runner must be vitest or jest, got "mocha"'],
    [['--shard', '3'], '--shard must be i/n (e.g. 2/4), got "3"'],
    [['--timeout-factor', '0'], '--timeout-factor must be a positive number, got "0"'],
    [['--nope'], "Unknown option '--nope'"],
  ] as const) {
    const r = cli([...args], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`pg-rls-test: ${message}\n\nusage: pg-rls-test mutate [options]`);
  }
});

test('--tables naming a table the test databases do not have is refused, with close names', () => {
  const r = cli(['--config', 'test/mutate/fixture/vitest.weak.config.ts', '--tables', 'notez'], { PG_RLS_TEST_BACKEND: 'embedded' });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('pg-rls-test: --tables: the test databases have no table "notez" (did you mean "public.notes"?)');
  expect(r.stdout).toBe('');
});

forEachBackend((backend) => {
  runnerSuites('vitest', backend, work);
  const env = envOf(backend);

  test('shards merge into the same totals as one run', () => {
    const out = (name: string) => join(work(), `${backend.name}-shards-${name}`);
    const waivers = out('waivers.json');
    writeFileSync(waivers, JSON.stringify([{ check: 'force_removed', object: 'public.notes', reason: 'the owner is a superuser anyway' }]));
    const whole = cli([...RUNNERS.vitest('weak'), '--ignore', waivers, '--json', out('whole.json')], env);
    expect(whole.status).toBe(0);
    const all = mutantsOf(report(out('whole.json')));
    const parts = ['1/2', '2/2'].map((s, i) => {
      const file = out(`shard${i + 1}.json`);
      const p = cli([...RUNNERS.vitest('weak'), '--ignore', waivers, '--shard', s, '--json', file], env);
      expect(p.status).toBe(0);
      return file;
    });
    const m = cli(['merge', ...parts, '--json', out('merged.json')], env);
    expect(m.status).toBe(0);
    const merged = report(out('merged.json'));
    expect(tally(merged)).toEqual(tally(report(out('whole.json'))));
    expect(mutantsOf(merged).map((x) => [x.id, x.mutatorName, x.status]).sort()).toEqual(all.map((x) => [x.id, x.mutatorName, x.status]).sort());
    expect(m.stdout).toContain(`merged 2 reports: ${all.length} mutants`);
  });
});

describe('installed from the package (node_modules/pg-rls-test)', () => {
  // Vitest evaluates a module from node_modules once per worker (isolate: false), while a setup
  // file is run for every test file: the coverage hooks must reach the second test file too.
  const installed = join(ROOT, 'test/mutate/fixture/node_modules/pg-rls-test');
  beforeAll(() => {
    rmSync(installed, { recursive: true, force: true });
    mkdirSync(installed, { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
    cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  });
  afterAll(() => rmSync(installed, { recursive: true, force: true }));

  test('every test file of the clean run records its coverage', () => {
    const file = join(work(), 'split.json');
    const r = cli(['--config', 'test/mutate/fixture/vitest.split.config.ts', '--operators', 'rls_disabled', '--json', file], { PG_RLS_TEST_BACKEND: 'embedded' }, join(installed, 'dist/cli.js'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(', 2 tests (vitest)');
    const json = report(file);
    expect(Object.values(json.testFiles).flatMap((f) => f.tests.map((t) => t.name)).sort()).toEqual(['audit_log has RLS', 'notes has RLS']);
    expect(mutantsOf(json).map((m) => [m.description, m.status]).sort()).toEqual([
      ['row level security disabled on public.audit_log', 'Killed'],
      ['row level security disabled on public.notes', 'Killed'],
    ]);
  });
});

describe('report JSON', () => {
  test('a report of an older schema is refused by merge', () => {
    const bad = join(work(), 'v1.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: '1', thresholds: { high: 80, low: 60 }, files: {} }));
    const r = cli(['merge', bad, '--json', join(work(), 'x.json')], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('only 2 is read');
  });
});
