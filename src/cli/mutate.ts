/**
 * `pg-rls-test mutate [options]` and `pg-rls-test mutate merge A.json B.json ... --json ALL.json`.
 * Exit codes: 0 at or above --threshold (none by default), 1 below it, 2 for bad usage or a
 * suite that fails before any mutant.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PgRlsTestError } from '../errors.js';
import { countsOf, formatText, mergeReports, progressLine, scoreLine, toJson, type MutationReportJson } from '../mutate/report.js';
import { mutate } from '../mutate/run.js';
import { OPERATORS, type Operator } from '../mutate/types.js';
import { toolVersion, UsageError, type CliIo } from './io.js';

export const MUTATE_USAGE = `usage: pg-rls-test mutate [options]
       pg-rls-test mutate merge <a.json> <b.json> ... --json <all.json> [--html <all.html>] [--threshold N]

Breaks each RLS policy and grant of the databases your tests create, one at a time, reruns the
tests that touch it, and reports every change no test noticed (mutation testing, as Stryker).

options:
  --config <file>           the test runner's config (default: its own lookup)
  --runner vitest|jest      the test runner (default: vitest)
  --operators <a,b,...>     only these operators (${OPERATORS.join(', ')})
  --tables <s.t,...>        only mutants of these tables
  --threshold <N>           exit 1 when the mutation score is below N percent
  --json <file>             write the report (mutation-testing-report-schema, schemaVersion 2)
  --html <file>             write a self-contained HTML report (mutation-testing-elements)
  --ignore <file>           a JSON file of waivers: [{ "check": "<operator>", "object": "...", "reason": "..." }]
  --shard <i/n>             run the i-th of n parts of the mutants (merge the JSON reports afterwards)
  --timeout-factor <x>      a mutant run may take x times its tests' clean time, plus 5 s (default 3)
  -h, --help                this text

exit codes: 0 at or above the threshold, 1 below it, 2 bad usage or a suite that fails unmutated`;

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      runner: { type: 'string' },
      operators: { type: 'string' },
      tables: { type: 'string' },
      threshold: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      ignore: { type: 'string' },
      shard: { type: 'string' },
      'timeout-factor': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 100)) throw new UsageError(`--threshold must be a percentage from 0 to 100, got ${JSON.stringify(values.threshold)}`);
  const runner = values.runner ?? 'vitest';
  if (runner !== 'vitest' && runner !== 'jest') throw new UsageError(`--runner must be vitest or jest, got ${JSON.stringify(runner)}`);
  const operators = values.operators?.split(',').map((s) => s.trim()).filter(Boolean);
  for (const op of operators ?? []) if (!OPERATORS.includes(op as Operator)) throw new UsageError(`--operators: unknown operator "${op}" (known: ${OPERATORS.join(', ')})`);
  const factor = values['timeout-factor'] === undefined ? undefined : Number(values['timeout-factor']);
  if (factor !== undefined && !(factor > 0)) throw new UsageError(`--timeout-factor must be a positive number, got ${JSON.stringify(values['timeout-factor'])}`);
  if (values.shard !== undefined && !/^\d+\/\d+$/.test(values.shard)) throw new UsageError(`--shard must be i/n (e.g. 2/4), got ${JSON.stringify(values.shard)}`);
  return { values, positionals, threshold, runner: runner as 'vitest' | 'jest', operators: operators as Operator[] | undefined, factor };
}

function write(file: string, text: string): void {
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}

async function writeReports(report: MutationReportJson, json: string | undefined, html: string | undefined): Promise<void> {
  if (json) write(json, `${JSON.stringify(report, null, 2)}\n`);
  if (html) {
    const { toHtml } = await import('../mutate/html.js');
    write(html, toHtml(report));
  }
}

/** `pg-rls-test mutate ...` (argv without the command name); resolves to the exit code. */
export async function mutateCommand(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    io.stderr(`pg-rls-test: ${(e as Error).message}\n\n${MUTATE_USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    io.stdout(`${MUTATE_USAGE}\n`);
    return 0;
  }
  const [sub, ...files] = args.positionals;
  if (sub === 'merge') return merge(files, args, io);
  if (sub !== undefined) {
    io.stderr(`pg-rls-test: unexpected argument "${args.positionals.join(' ')}" (did you mean "mutate merge"?)\n\n${MUTATE_USAGE}\n`);
    return 2;
  }
  const cwd = process.cwd();
  const progress = (text: string) => {
    if (io.stderrIsTTY) io.stderr(`\r\x1b[K${text}`);
  };
  let result;
  try {
    progress('pg-rls-test mutate: clean run of the suite…');
    result = await mutate({
      cwd,
      config: args.values.config,
      runner: args.runner,
      operators: args.operators,
      tables: args.values.tables?.split(',').map((s) => s.trim()).filter(Boolean),
      ignore: args.values.ignore,
      shard: args.values.shard,
      timeoutFactor: args.factor,
      onProgress: (e) => {
        if (e.kind === 'mutants') progress(`pg-rls-test mutate: ${e.total} mutants (${e.skipped} skipped)…`);
        if (e.kind === 'mutant') progress(progressLine(e.done, e.total, e.counts));
      },
    });
  } catch (e) {
    progress('');
    if (e instanceof TypeError) {
      io.stderr(`pg-rls-test: ${e.message}\n`);
      return 2;
    }
    if (e instanceof PgRlsTestError) {
      io.stderr(`pg-rls-test: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      return 2;
    }
    throw e;
  }
  progress('');
  io.stdout(`${formatText(result)}\n`);
  await writeReports(toJson(result, { cwd, ...(args.threshold !== undefined ? { threshold: args.threshold } : {}), ...(toolVersion() ? { version: toolVersion()! } : {}) }), args.values.json, args.values.html);
  return args.threshold !== undefined && !(result.score >= args.threshold) && !Number.isNaN(result.score) ? 1 : 0;
}

async function merge(files: string[], args: ReturnType<typeof parse>, io: CliIo): Promise<number> {
  if (files.length === 0 || !args.values.json) {
    io.stderr(`pg-rls-test: mutate merge needs the shards' JSON reports and --json <file> for the result\n\n${MUTATE_USAGE}\n`);
    return 2;
  }
  let merged: MutationReportJson;
  try {
    merged = mergeReports(files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as MutationReportJson));
  } catch (e) {
    io.stderr(`pg-rls-test: ${(e as Error).message}\n`);
    return 2;
  }
  await writeReports(merged, args.values.json, args.values.html);
  const { counts, score, total } = countsOf(merged);
  const skipped = Object.values((merged.config?.skipped ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  io.stdout(`merged ${files.length} reports: ${total} mutants\n${scoreLine(counts, score, skipped, Number(merged.config?.durationMs ?? 0))}\n`);
  return args.threshold !== undefined && !(score >= args.threshold) && !Number.isNaN(score) ? 1 : 0;
}
