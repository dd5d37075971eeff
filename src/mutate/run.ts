/**
 * `mutate()`: a clean run of the suite (refused when red), the mutants made from the catalogs of
 * the databases it created, then one run per mutant of the tests that cover it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { MutateFailedError } from '../errors.js';
import { loadParser } from '../sql/parse.js';
import { closeMatches } from '../suggest.js';
import type { CoverageRecord } from './collector.js';
import { CoverageIndex } from './coverage-index.js';
import { locateMutants } from './locate.js';
import { generateMutants } from './operators.js';
import type { SuiteRunner } from './runner.js';
import { OPERATORS, type Counts, type Mutant, type MutantSpec, type MutantWaiver, type MutateOptions, type MutationResult, type Operator } from './types.js';
import { MUTATE_DIR_ENV, type RunState, type SetupRecord } from './worker.js';

/** Runs the mutation test of the suite in `options.cwd`; resolves to the result (see report.ts). */
export async function mutate(options: MutateOptions = {}): Promise<MutationResult> {
  const started = performance.now();
  const resolved = resolveMutateOptions(options);
  const cwd = resolved.cwd;
  const dir = mkdtempSync(join(tmpdir(), 'pg-rls-test-mutate-'));
  const previousEnv = process.env[MUTATE_DIR_ENV];
  process.env[MUTATE_DIR_ENV] = dir;
  const runnerOptions = { cwd, config: resolved.config, dir };
  const runner: SuiteRunner =
    resolved.runner === 'jest' ? new (await import('./jest-runner.js')).JestRunner(runnerOptions) : new (await import('./vitest-runner.js')).VitestRunner(runnerOptions);
  const keepWarm = resolved.runner === 'vitest';
  const state = (s: Omit<RunState, 'keepWarm'>) => writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...s, keepWarm }));
  try {
    state({ run: 0, mode: 'clean' });
    await runner.init();
    const clean = await runner.run(undefined, { bail: false });
    const failing = clean.tests.filter((t) => !t.passed);
    if (failing.length || clean.errors.length || clean.tests.length === 0) {
      const what = failing.map((t) => `${t.name}${t.error ? `: ${failureSummary(t.error).split('\n')[0]}` : ''}`).concat(clean.errors);
      throw new MutateFailedError(
        clean.tests.length === 0 && !what.length
          ? 'the clean run ran no test'
          : `the suite fails on the unmutated schema (${failing.length} failing test${failing.length === 1 ? '' : 's'}${clean.errors.length ? `, ${clean.errors.length} error${clean.errors.length === 1 ? '' : 's'}` : ''}): a mutation score over a red suite means nothing\n${what.map((w) => `  ${w}`).join('\n')}`,
        { hint: 'make the suite pass first (npx vitest run / npx jest), then run pg-rls-test mutate', failingTests: failing.map((t) => t.name) },
      );
    }
    const setups = readJsonDir<SetupRecord>(join(dir, 'setups'));
    if (setups.length === 0) {
      throw new MutateFailedError('the suite passed but created no test database: no mutant can be made', {
        hint: 'pg-rls-test mutate mutates the databases that createTestDatabase() creates (a database used with existing: true is never changed)',
      });
    }
    await loadParser();
    const { mutants, skipped, unusedWaivers } = makeMutants(setups, resolved);
    const index = new CoverageIndex(readJsonDir<CoverageRecord>(join(dir, 'coverage')), setups);
    const files = locateMutants(mutants, setups, cwd);
    const cleanMs = clean.fileMs;
    const counts: Counts = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, compileError: 0, ignored: 0 };
    const selected = shardOf(mutants, resolved.shard);
    let mutantsRun = 0;
    resolved.onProgress?.({ kind: 'clean-run', tests: clean.tests.length });
    resolved.onProgress?.({ kind: 'mutants', total: selected.length, skipped: Object.values(skipped).reduce((a, b) => a + (b ?? 0), 0) });
    let done = 0;
    for (const m of selected) {
      await runMutant(m);
      count(counts, m);
      resolved.onProgress?.({ kind: 'mutant', mutant: m, done: ++done, total: selected.length, counts: { ...counts } });
    }
    return {
      mutants: selected,
      skipped,
      unusedWaivers,
      counts,
      score: score(counts),
      files,
      tests: index.tests,
      cleanRunMs: clean.durationMs,
      durationMs: performance.now() - started,
      mutantsRun,
      runner: runner.name,
      ...(resolved.shard ? { shard: resolved.shard } : {}),
      schemas: [...new Set(setups.flatMap((s) => s.facts.schemas))],
    };

    async function runMutant(m: Mutant): Promise<void> {
      if (m.status === 'Ignored') return;
      const tests = index.testsFor(m);
      m.coveredBy = tests.map((t) => t.id);
      if (tests.length === 0) {
        m.status = 'NoCoverage';
        return;
      }
      const selection = new Map<string, string[]>();
      for (const t of tests) selection.set(t.file, [...(selection.get(t.file) ?? []), t.id]);
      const budget = [...selection.keys()].reduce((sum, f) => sum + (cleanMs.get(f) ?? 0), 0);
      state({ run: ++mutantsRun, mode: 'mutant', mutant: { id: m.id, setups: m.setups, apply: m.replacement, undo: m.undo } });
      const result = await runner.run(selection, { bail: true, timeoutMs: resolved.timeoutFactor * budget + 5000 });
      m.durationMs = result.durationMs;
      const invalid = readJsonDir<{ id: string; message: string }>(join(dir, 'invalid')).find((x) => x.id === m.id);
      if (invalid) {
        m.status = 'CompileError';
        m.statusReason = invalid.message;
      } else if (result.timedOut) {
        m.status = 'Timeout';
        m.statusReason = `the covering tests ran longer than ${resolved.timeoutFactor} × their clean time + 5 s (${Math.round(resolved.timeoutFactor * budget + 5000)} ms)`;
      } else {
        const failed = result.tests.filter((t) => !t.passed);
        if (failed.length || result.errors.length) {
          m.status = 'Killed';
          m.killedBy = failed.map((t) => t.id);
          m.statusReason = failureSummary(failed[0]?.error ?? result.errors[0] ?? '');
        } else m.status = 'Survived';
      }
    }
  } finally {
    await runner.close().catch(() => undefined);
    if (previousEnv === undefined) delete process.env[MUTATE_DIR_ENV];
    else process.env[MUTATE_DIR_ENV] = previousEnv;
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ResolvedMutateOptions {
  cwd: string;
  config: string | undefined;
  runner: 'vitest' | 'jest';
  operators: Operator[] | undefined;
  tables: string[] | undefined;
  ignore: MutantWaiver[];
  shard: { index: number; count: number } | undefined;
  timeoutFactor: number;
  onProgress: MutateOptions['onProgress'];
}

/** Checks the options: a wrong one is a TypeError naming it. */
export function resolveMutateOptions(o: MutateOptions): ResolvedMutateOptions {
  if (o === null || typeof o !== 'object') throw new TypeError('mutate() takes an options object');
  const cwd = resolve(o.cwd ?? process.cwd());
  const runner = o.runner ?? detectRunner(cwd, o.config);
  if (runner !== 'vitest' && runner !== 'jest') throw new TypeError(`"runner" option must be 'vitest' or 'jest', got ${JSON.stringify(runner)}`);
  if (o.operators !== undefined) {
    if (!Array.isArray(o.operators) || o.operators.length === 0) throw new TypeError('"operators" option must be a non-empty list of operator names');
    for (const op of o.operators) if (!OPERATORS.includes(op)) throw new TypeError(`"operators" option: unknown operator "${String(op)}" (known: ${OPERATORS.join(', ')})`);
  }
  if (o.tables !== undefined && (!Array.isArray(o.tables) || !o.tables.every((t) => typeof t === 'string' && t !== ''))) {
    throw new TypeError('"tables" option must be a list of table names such as "public.posts"');
  }
  const timeoutFactor = o.timeoutFactor ?? 3;
  if (typeof timeoutFactor !== 'number' || !(timeoutFactor > 0)) throw new TypeError(`"timeoutFactor" option must be a positive number, got ${JSON.stringify(o.timeoutFactor)}`);
  return {
    cwd,
    config: o.config,
    runner,
    operators: o.operators,
    tables: o.tables,
    ignore: resolveWaivers(o.ignore, cwd),
    shard: parseShard(o.shard),
    timeoutFactor,
    onProgress: o.onProgress,
  };
}

/**
 * The runner when none is named: Jest for a Jest config (a --config file named jest*, or a
 * folder with jest.config.* or package.json "jest" and no Vitest/Vite config), else Vitest.
 */
export function detectRunner(cwd: string, config: string | undefined): 'vitest' | 'jest' {
  if (config !== undefined) return /^jest\b/i.test(basename(config)) ? 'jest' : 'vitest';
  let names: string[];
  try {
    names = readdirSync(cwd);
  } catch {
    return 'vitest';
  }
  if (names.some((n) => /^(vitest|vite)\.(config|workspace)\./.test(n))) return 'vitest';
  if (names.some((n) => /^jest\.config\./.test(n))) return 'jest';
  try {
    if ((JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { jest?: unknown }).jest !== undefined) return 'jest';
  } catch {
    // no package.json, or not JSON: nothing says Jest
  }
  return 'vitest';
}

function resolveWaivers(ignore: MutateOptions['ignore'], cwd: string): MutantWaiver[] {
  if (ignore === undefined) return [];
  let list: unknown = ignore;
  if (typeof ignore === 'string') {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, ignore), 'utf8');
    } catch (e) {
      throw new TypeError(`"ignore" option: cannot read ${ignore}: ${(e as Error).message}`);
    }
    try {
      list = JSON.parse(text);
    } catch (e) {
      throw new TypeError(`"ignore" option: ${ignore} is not JSON: ${(e as Error).message}`);
    }
  }
  if (!Array.isArray(list)) throw new TypeError('"ignore" option must be a list of { check, object, reason } waivers (check: an operator name)');
  list.forEach((w: MutantWaiver, i) => {
    if (!w || typeof w !== 'object' || typeof w.check !== 'string' || typeof w.object !== 'string' || w.object === '') {
      throw new TypeError(`"ignore" option: waiver ${i} must be { check: string, object: string }, got ${JSON.stringify(w)}`);
    }
    if (!OPERATORS.includes(w.check as Operator)) throw new TypeError(`"ignore" option: waiver ${i} names unknown operator "${w.check}" (known: ${OPERATORS.join(', ')})`);
  });
  return list as MutantWaiver[];
}

export function parseShard(shard: MutateOptions['shard']): { index: number; count: number } | undefined {
  if (shard === undefined) return undefined;
  const m = typeof shard === 'string' ? /^(\d+)\/(\d+)$/.exec(shard) : undefined;
  const s = typeof shard === 'string' ? (m ? { index: Number(m[1]), count: Number(m[2]) } : undefined) : shard;
  if (!s || !Number.isInteger(s.index) || !Number.isInteger(s.count) || s.count < 1 || s.index < 1 || s.index > s.count) {
    throw new TypeError(`"shard" option must be i/n with 1 ≤ i ≤ n (e.g. 2/4), got ${JSON.stringify(shard)}`);
  }
  return s;
}

/** Mutants of every setup, merged (one mutant per change, applied to every database that holds the object). */
function makeMutants(setups: SetupRecord[], o: ResolvedMutateOptions): { mutants: Mutant[]; skipped: Partial<Record<Operator, number>>; unusedWaivers: MutantWaiver[] } {
  const tables = new Set(setups.flatMap((s) => s.facts.facts.relations.map((r) => `${r.schema}.${r.name}`)));
  for (const t of o.tables ?? []) {
    const qualified = t.includes('.') ? t : `public.${t}`;
    if (!tables.has(qualified)) {
      const close = closeMatches(t, tables);
      throw new MutateFailedError(`--tables: the test databases have no table "${t}"${close.length ? ` (did you mean ${close.map((c) => `"${c}"`).join(', ')}?)` : ''}`, {
        hint: `name tables as "schema.table" (or the bare name in public): ${[...tables].sort().join(', ')}`,
      });
    }
  }
  const byKey = new Map<string, Mutant>();
  const skipped: Partial<Record<Operator, number>> = {};
  const made = new Set<string>(); // operator + object of every mutant, filtered out or not: which waivers match
  for (const s of setups) {
    const g = generateMutants(s.facts, { identity: s.identity });
    for (const [op, n] of Object.entries(g.skipped)) if (!o.operators || o.operators.includes(op as Operator)) skipped[op as Operator] = Math.max(skipped[op as Operator] ?? 0, n ?? 0);
    for (const spec of g.mutants) {
      made.add(`${spec.mutatorName}\0${spec.object}`);
      if (o.operators && !o.operators.includes(spec.mutatorName)) continue;
      if (o.tables && !o.tables.some((t) => inTable(spec, t))) continue;
      const key = `${spec.mutatorName}\0${spec.replacement}\0${spec.undo}`;
      const known = byKey.get(key);
      if (known) {
        if (!known.setups.includes(s.key)) known.setups.push(s.key);
        continue;
      }
      byKey.set(key, { ...spec, id: '', setups: [s.key], status: 'Pending', killedBy: [], coveredBy: [] });
    }
  }
  const mutants = [...byKey.values()];
  mutants.forEach((m, i) => {
    m.id = String(i + 1);
    const w = o.ignore.find((x) => x.check === m.mutatorName && x.object === m.object);
    if (w) {
      m.status = 'Ignored';
      m.statusReason = w.reason ?? 'waived';
    }
  });
  return { mutants, skipped, unusedWaivers: o.ignore.filter((w) => !made.has(`${w.check}\0${w.object}`)) };
}

function inTable(spec: MutantSpec, table: string): boolean {
  const qualified = table.includes('.') ? table : `public.${table}`;
  return spec.object === qualified || spec.object.startsWith(`${qualified} `) || spec.object.startsWith(`${qualified}.`) || spec.covers.includes(`table:${qualified}`);
}

/** The i-th of n parts, dealt round-robin so that each part gets every operator. */
function shardOf(mutants: Mutant[], shard: { index: number; count: number } | undefined): Mutant[] {
  return shard ? mutants.filter((_, i) => i % shard.count === shard.index - 1) : mutants;
}

export function count(c: Counts, m: Pick<Mutant, 'status'>): void {
  if (m.status === 'Killed') c.killed++;
  else if (m.status === 'Survived') c.survived++;
  else if (m.status === 'NoCoverage') c.noCoverage++;
  else if (m.status === 'Timeout') c.timeout++;
  else if (m.status === 'CompileError') c.compileError++;
  else if (m.status === 'Ignored') c.ignored++;
}

/** Stryker's mutation score, in percent (NaN when nothing counts). */
export function score(c: Counts): number {
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  return valid === 0 ? Number.NaN : (100 * detected) / valid;
}

/**
 * A failure as the report shows it (statusReason): the message without colours and stack
 * frames, at most 12 lines (the matcher's Expected/Received/Why, not only its first line).
 */
export function failureSummary(message: string): string {
  const lines = stripVTControlCharacters(message)
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .map((l) => l.trimEnd());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const kept = lines.slice(0, 12);
  return (lines.length > kept.length ? [...kept, '…'] : kept).join('\n').trim();
}

function readJsonDir<T>(dir: string): T[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as T);
}

