/**
 * `pg-rls-test mutate`, run as users run it (the built CLI in a child process) on the fixture
 * project test/mutate/fixture, on each backend: a strong suite kills a mutant of every operator,
 * a weak one lets them survive; a red clean run, no coverage, a timeout, an invalid mutant,
 * waivers, shards merged into one run's totals, the JSON against its schema, exit codes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { OPERATORS } from '../../src/mutate/types.js';
import { forEachBackend } from '../helpers/backends.js';
import { assertBuilt, ROOT } from '../runners/built.js';

// each test runs the CLI one to three times (a clean run and every mutant): minutes on a busy machine
vi.setConfig({ testTimeout: 400_000 });
const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules/mutation-testing-report-schema/dist/src/mutation-testing-report-schema.json'), 'utf8'));
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const validate = new (Ajv as unknown as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } })({ allErrors: true, strict: false }).compile(schema);

interface JsonMutant { id: string; mutatorName: string; status: string; description: string; replacement: string; coveredBy: string[]; killedBy: string[]; statusReason?: string }
type Report = { files: Record<string, { mutants: JsonMutant[] }>; testFiles: Record<string, { tests: { id: string; name: string }[] }>; config: Record<string, unknown> };
const mutantsOf = (r: Report) => Object.values(r.files).flatMap((f) => f.mutants);
const tally = (r: Report) => mutantsOf(r).reduce<Record<string, number>>((t, m) => ({ ...t, [m.status]: (t[m.status] ?? 0) + 1 }), {});

let work: string;
beforeAll(() => {
  assertBuilt();
  work = mkdtempSync(join(tmpdir(), 'pgrls-mutate-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'mutate', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 400_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function report(file: string): Report {
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
  expect(validate(r), JSON.stringify(validate.errors)).toBe(true);
  return r;
}

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

// the same suites for each runner: Vitest (test/mutate/fixture) and Jest (test/mutate/jest, CommonJS over dist/)
const RUNNERS = {
  vitest: (suite: string) => ['--config', `test/mutate/fixture/vitest.${suite}.config.ts`],
  jest: (suite: string) => ['--runner', 'jest', '--config', `test/mutate/jest/${suite}.config.cjs`],
} as const;

forEachBackend((backend) => {
  const env = backend.name === 'url' ? { PG_RLS_TEST_BACKEND: 'url', PG_RLS_TEST_URL: backend.options.url! } : { PG_RLS_TEST_BACKEND: 'embedded' };

  for (const [runner, suite] of Object.entries(RUNNERS)) {
    describe(runner, () => {
      const out = (name: string) => join(work, `${backend.name}-${runner}-${name}`);

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

  test('shards merge into the same totals as one run', () => {
    const out = (name: string) => join(work, `${backend.name}-shards-${name}`);
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
    const file = join(work, 'split.json');
    const r = spawnSync(process.execPath, [join(installed, 'dist/cli.js'), 'mutate', '--config', 'test/mutate/fixture/vitest.split.config.ts', '--operators', 'rls_disabled', '--json', file], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PG_RLS_TEST_BACKEND: 'embedded' },
      timeout: 400_000,
    });
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
    const bad = join(work, 'v1.json');
    writeFileSync(bad, JSON.stringify({ schemaVersion: '1', thresholds: { high: 80, low: 60 }, files: {} }));
    const r = cli(['merge', bad, '--json', join(work, 'x.json')], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('only 2 is read');
  });
});
