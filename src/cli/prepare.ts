/**
 * `pg-rls-test prepare [--migrations <folder>] [--preset neon] [--dir <cache>]`: builds the
 * embedded backend's prepared database before any test runs (CI step, postinstall, Docker image),
 * so that the first createTestDatabase() of a run unpacks it instead of building it.
 */
import { parseArgs } from 'node:util';
import { listEntries, resolveCache } from '../backends/cache.js';
import { prepareTestDatabase } from '../database.js';
import { builtBy, formatBytes, shortPath } from './cache.js';
import { UsageError, type CliIo } from './io.js';

export const PREPARE_USAGE = `usage: pg-rls-test prepare [--migrations <folder or file>]... [options]

Builds the embedded backend's prepared database (preset and migrations applied) and stores it in
the cache, so that the first test run starts from it. The options must match what the tests pass
to createTestDatabase(); a seed function or inline SQL cannot be given here: call
prepareTestDatabase(options) from a Vitest or Jest globalSetup instead (README: "The first run").

options:
  --migrations <path>   a folder of .sql files, or one file; repeat for a list of files
  --preset <name>       neon (default), supabase or none
  --no-grants           without the Data API's public schema grants (dataApi.grantPublicSchemaAccess: false)
  --dir <folder>        the cache (default: $PG_RLS_TEST_CACHE_DIR, else ./node_modules/.cache/pg-rls-test)
  -h, --help            this text`;

/** `pg-rls-test prepare ...` (argv without the command name); resolves to the exit code. */
export async function prepare(argv: string[], io: CliIo): Promise<number> {
  let values: { migrations?: string[] | undefined; preset?: string | undefined; 'no-grants'?: boolean | undefined; dir?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        migrations: { type: 'string', multiple: true },
        preset: { type: 'string' },
        'no-grants': { type: 'boolean' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.preset !== undefined && !['neon', 'supabase', 'none'].includes(values.preset)) throw new UsageError(`--preset must be neon, supabase or none, got "${values.preset}"`);
  } catch (e) {
    io.stderr(`pg-rls-test: ${(e as Error).message}\n\n${PREPARE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${PREPARE_USAGE}\n`);
    return 0;
  }
  const cache = resolveCache(values.dir);
  const dir = cache!.dir;
  const before = new Set(listEntries(dir).map((e) => e.key));
  const m = values.migrations;
  const began = performance.now();
  try {
    await prepareTestDatabase({
      backend: 'embedded',
      cache: dir,
      ...(m === undefined ? {} : { migrations: m.length === 1 ? m[0]! : m }),
      ...(values.preset === undefined ? {} : { preset: values.preset as 'neon' | 'supabase' | 'none' }),
      ...(values['no-grants'] ? { dataApi: { grantPublicSchemaAccess: false } } : {}),
    });
  } catch (e) {
    const err = e as Error & { hint?: string };
    io.stderr(`pg-rls-test: ${err.name}: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}\n`);
    return 1;
  }
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  const added = listEntries(dir).filter((e) => !before.has(e.key));
  if (added.length === 0) {
    io.stdout(`already prepared: the database for these options is in ${shortPath(dir)} (checked in ${seconds} s)\n`);
  } else {
    io.stdout(`prepared in ${seconds} s, in ${shortPath(dir)}: ${added.map((e) => `${builtBy(e)} (${formatBytes(e.bytes)})`).join('; ')}\n`);
  }
  return 0;
}
