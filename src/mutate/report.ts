/**
 * The reports of a mutation run: text (survivors with the SQL that made them and an assertion
 * that would kill them; the score line last), the JSON of mutation-testing-report-schema
 * (schemaVersion 2, what Stryker writes), and `merge` of the JSON of several shards.
 */
import { relative } from 'node:path';
import { count, score } from './run.js';
import { OPERATORS, type Counts, type Mutant, type MutationResult, type MutantStatus, type Operator } from './types.js';

/** The report as mutation-testing-report-schema (v2) describes it. */
export interface MutationReportJson {
  schemaVersion: '2';
  thresholds: { high: number; low: number; break?: number | null };
  projectRoot?: string;
  files: Record<string, { language: string; source: string; mutants: JsonMutant[] }>;
  testFiles?: Record<string, { tests: { id: string; name: string }[] }>;
  framework?: { name: string; version?: string; branding?: { homepageUrl: string } };
  config?: Record<string, unknown>;
}

interface JsonMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  description?: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
  status: MutantStatus;
  statusReason?: string;
  killedBy?: string[];
  coveredBy?: string[];
  duration?: number;
}

export function toJson(r: MutationResult, options: { cwd: string; threshold?: number; version?: string }): MutationReportJson {
  const files: MutationReportJson['files'] = {};
  for (const f of r.files) files[f.name] = { language: 'sql', source: f.source, mutants: [] };
  for (const m of r.mutants) {
    const loc = m.location!;
    files[loc.file]!.mutants.push({
      id: m.id,
      mutatorName: m.mutatorName,
      replacement: m.replacement,
      description: m.description,
      location: { start: loc.start, end: loc.end },
      status: m.status,
      ...(m.statusReason ? { statusReason: m.statusReason } : {}),
      killedBy: m.killedBy,
      coveredBy: m.coveredBy,
      ...(m.durationMs !== undefined ? { duration: Math.round(m.durationMs) } : {}),
    });
  }
  const testFiles: NonNullable<MutationReportJson['testFiles']> = {};
  for (const t of r.tests) {
    const name = relative(options.cwd, t.file);
    (testFiles[name] ??= { tests: [] }).tests.push({ id: t.id, name: t.name });
  }
  return {
    schemaVersion: '2',
    thresholds: { high: 80, low: 60, ...(options.threshold !== undefined ? { break: options.threshold } : {}) },
    projectRoot: options.cwd,
    files,
    testFiles,
    framework: { name: 'pg-rls-test', ...(options.version ? { version: options.version } : {}) },
    config: {
      runner: r.runner,
      schemas: r.schemas,
      skipped: r.skipped,
      cleanRunMs: Math.round(r.cleanRunMs),
      durationMs: Math.round(r.durationMs),
      mutantsRun: r.mutantsRun,
      ...(r.unusedWaivers.length ? { unusedWaivers: r.unusedWaivers } : {}),
      ...(r.shard ? { shard: `${r.shard.index}/${r.shard.count}` } : {}),
    },
  };
}

/** Joins the JSON reports of the shards of one run (same mutants, each tested in one shard). */
export function mergeReports(reports: MutationReportJson[]): MutationReportJson {
  if (reports.length === 0) throw new TypeError('merge needs at least one report');
  const first = reports[0]!;
  const merged: MutationReportJson = structuredClone({ ...first, files: {} });
  const seen = new Map<string, string>();
  const config = { ...(first.config ?? {}) } as Record<string, unknown>;
  delete config.shard;
  let cleanRunMs = 0;
  let durationMs = 0;
  let mutantsRun = 0;
  for (const r of reports) {
    if (r.schemaVersion !== '2') throw new TypeError(`merge: a report of schemaVersion ${JSON.stringify(r.schemaVersion)} (only 2 is read)`);
    cleanRunMs = Math.max(cleanRunMs, Number(r.config?.cleanRunMs ?? 0));
    durationMs = Math.max(durationMs, Number(r.config?.durationMs ?? 0));
    mutantsRun += Number(r.config?.mutantsRun ?? 0);
    for (const [name, f] of Object.entries(r.files)) {
      const into = (merged.files[name] ??= { language: f.language, source: f.source, mutants: [] });
      for (const m of f.mutants) {
        const identity = `${m.mutatorName}\0${m.replacement}`;
        const known = seen.get(m.id);
        if (known !== undefined && known !== identity) {
          throw new TypeError(`merge: mutant ${m.id} differs between the reports (${m.mutatorName}): they come from different schemas or versions; merge only the shards of one run`);
        }
        if (known !== undefined) continue;
        seen.set(m.id, identity);
        into.mutants.push(m);
      }
    }
    for (const [name, t] of Object.entries(r.testFiles ?? {})) {
      const into = ((merged.testFiles ??= {})[name] ??= { tests: [] });
      for (const test of t.tests) if (!into.tests.some((x) => x.id === test.id)) into.tests.push(test);
    }
  }
  for (const f of Object.values(merged.files)) f.mutants.sort((a, b) => Number(a.id) - Number(b.id));
  merged.config = { ...config, cleanRunMs, durationMs, mutantsRun };
  return merged;
}

/** Counts and score of a JSON report (a merged one, say). */
export function countsOf(report: MutationReportJson): { counts: Counts; score: number; total: number } {
  const c: Counts = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, compileError: 0, ignored: 0 };
  let total = 0;
  for (const f of Object.values(report.files)) {
    for (const m of f.mutants) {
      count(c, m);
      total++;
    }
  }
  return { counts: c, score: score(c), total };
}

export function formatScore(score: number): string {
  return Number.isNaN(score) ? 'n/a' : `${(Math.floor(score * 10) / 10).toFixed(1)}%`;
}

/** The last line: `mutation score 87.5% (killed 35, survived 4, ...) in 14.2 s`. */
export function scoreLine(c: Counts, s: number, skipped: number, durationMs: number): string {
  return (
    `mutation score ${formatScore(s)} (killed ${c.killed}, survived ${c.survived}, no coverage ${c.noCoverage}, timeout ${c.timeout}, ` +
    `invalid ${c.compileError}, skipped ${skipped}${c.ignored ? `, ignored ${c.ignored}` : ''}) in ${(durationMs / 1000).toFixed(1)} s`
  );
}

/** The progress line: `mutants 12/40, killed 9, survived 2, no coverage 1`. */
export function progressLine(done: number, total: number, c: Counts): string {
  return `mutants ${done}/${total}, killed ${c.killed}, survived ${c.survived}, no coverage ${c.noCoverage}${c.timeout ? `, timeout ${c.timeout}` : ''}${c.compileError ? `, invalid ${c.compileError}` : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function formatText(r: MutationResult): string {
  const lines: string[] = [];
  const byOp = new Map<Operator, Mutant[]>();
  for (const m of r.mutants) byOp.set(m.mutatorName, [...(byOp.get(m.mutatorName) ?? []), m]);
  lines.push(
    `pg-rls-test mutate: ${plural(r.mutants.length, 'mutant')} of schema${r.schemas.length === 1 ? '' : 's'} ${r.schemas.join(', ')}${r.shard ? ` (shard ${r.shard.index}/${r.shard.count})` : ''}, ${plural(r.tests.length, 'test')} (${r.runner})`,
  );
  lines.push('');
  lines.push('operator                      mutants  killed  survived  no cov.  other');
  for (const op of OPERATORS) {
    const list = byOp.get(op) ?? [];
    if (!list.length) continue;
    const n = (s: MutantStatus) => list.filter((m) => m.status === s).length;
    const other = list.length - n('Killed') - n('Survived') - n('NoCoverage');
    lines.push(`${op.padEnd(30)}${String(list.length).padStart(7)}${String(n('Killed')).padStart(8)}${String(n('Survived')).padStart(10)}${String(n('NoCoverage')).padStart(9)}${String(other).padStart(7)}`);
  }
  const shown = r.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage' || m.status === 'CompileError');
  for (const m of shown) {
    lines.push('');
    const where = m.location ? `${m.location.file}:${m.location.start.line}` : '';
    lines.push(`${m.status === 'Survived' ? 'survived' : m.status === 'NoCoverage' ? 'no coverage' : 'invalid'}  #${m.id} ${m.mutatorName}  ${m.object}${where ? `  (${where})` : ''}`);
    lines.push(`  ${m.description}`);
    lines.push(`  mutant:  ${m.replacement};`);
    if (m.status === 'CompileError') lines.push(`  refused: ${m.statusReason ?? ''}`);
    else {
      if (m.status === 'Survived') lines.push(`  ran:     ${m.coveredBy.length} covering test${m.coveredBy.length === 1 ? '' : 's'}, all passed`);
      else lines.push('  ran:     nothing (no test touches this object)');
      lines.push(`  kill it: ${m.suggestion}`);
    }
  }
  if (shown.some((m) => m.status !== 'CompileError')) {
    lines.push('');
    lines.push('(in the suggestions, owner is a user the rows belong to, other and user anyone else)');
  }
  const ignored = r.mutants.filter((m) => m.status === 'Ignored');
  if (ignored.length) {
    lines.push('');
    for (const m of ignored) lines.push(`ignored  #${m.id} ${m.mutatorName}  ${m.object}: ${m.statusReason ?? ''}`);
  }
  if (r.unusedWaivers.length) {
    lines.push('');
    lines.push('waivers that match no mutant (a typo, or the object is gone):');
    for (const w of r.unusedWaivers) lines.push(`  ${w.check}  ${w.object}`);
  }
  lines.push('');
  const skipped = Object.values(r.skipped).reduce((a, b) => a + (b ?? 0), 0);
  lines.push(scoreLine(r.counts, r.score, skipped, r.durationMs));
  return lines.join('\n');
}
