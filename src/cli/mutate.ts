/**
 * `pg-rls-test mutate [options]` and `pg-rls-test mutate merge A.json B.json ... --json ALL.json`.
 * Exit codes: 0 at or above --threshold (none by default), 1 below it, 2 for bad usage or a
 * suite that fails before any mutant.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PgRlsTestError } from '../errors.js';
import { countsOf, formatText, mergeReports, progressLine, scoreLine, toJson, type MutationReportJson } from '../mutate/report.js';
import { mutate } from '../mutate/run.js';
import { OPERATORS } from '../mutate/types.js';
import { option, progressWriter, runCommand, toolVersion, UsageError, type CliIo, type OptionValues } from './io.js';

export const MUTATE_USAGE = `usage: pg-rls-test mutate [options]
       pg-rls-test mutate merge <a.json> <b.json> ... --json <all.json> [--html <all.html>] [--threshold N]

Breaks each RLS policy and grant of the databases your tests create, one at a time, reruns the
tests that touch it, and reports every change no test noticed (mutation testing, as Stryker).

options:
  --config <file>           the test runner's config (default: its own lookup)
  --runner vitest|jest      the test runner (default: jest for a Jest config, else vitest)
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

const MUTATE_OPTIONS = {
  config: option.string(),
  runner: option.choice(['vitest', 'jest'] as const),
  operators: option.list(OPERATORS, 'operator'),
  tables: option.list(),
  threshold: option.number('a percentage from 0 to 100', (n) => n >= 0 && n <= 100),
  json: option.string(),
  html: option.string(),
  ignore: option.string(),
  shard: option.matching(/^\d+\/\d+$/, 'i/n (e.g. 2/4)'),
  'timeout-factor': option.number('a positive number', (n) => n > 0),
};

type MutateArgs = OptionValues<typeof MUTATE_OPTIONS>;

/** Below --threshold (a score of nothing, NaN, is not below it). */
function belowThreshold(score: number, threshold: number | undefined): boolean {
  return threshold !== undefined && !Number.isNaN(score) && score < threshold;
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
export function mutateCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, MUTATE_USAGE, MUTATE_OPTIONS, async (args, positionals) => {
    const [sub, ...files] = positionals;
    if (sub === 'merge') return merge(files, args, io);
    if (sub !== undefined) throw new UsageError(`unexpected argument "${positionals.join(' ')}" (did you mean "mutate merge"?)`);
    return run(args, io);
  });
}

async function run(args: MutateArgs, io: CliIo): Promise<number> {
  const cwd = process.cwd();
  const progress = progressWriter(io);
  let result;
  try {
    progress('pg-rls-test mutate: clean run of the suite…');
    result = await mutate({
      cwd,
      config: args.config,
      runner: args.runner,
      operators: args.operators,
      tables: args.tables,
      ignore: args.ignore,
      shard: args.shard,
      timeoutFactor: args['timeout-factor'],
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
  await writeReports(toJson(result, { cwd, ...(args.threshold !== undefined ? { threshold: args.threshold } : {}), ...(toolVersion() ? { version: toolVersion()! } : {}) }), args.json, args.html);
  return belowThreshold(result.score, args.threshold) ? 1 : 0;
}

async function merge(files: string[], args: MutateArgs, io: CliIo): Promise<number> {
  if (files.length === 0 || !args.json) throw new UsageError("mutate merge needs the shards' JSON reports and --json <file> for the result");
  let merged: MutationReportJson;
  try {
    merged = mergeReports(files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as MutationReportJson));
  } catch (e) {
    io.stderr(`pg-rls-test: ${(e as Error).message}\n`);
    return 2;
  }
  await writeReports(merged, args.json, args.html);
  const { counts, score, total } = countsOf(merged);
  const skipped = Object.values((merged.config?.skipped ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
  io.stdout(`merged ${files.length} reports: ${total} mutants\n${scoreLine(counts, score, skipped, Number(merged.config?.durationMs ?? 0))}\n`);
  return belowThreshold(score, args.threshold) ? 1 : 0;
}
