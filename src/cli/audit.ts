/**
 * `pg-rls-test audit --url postgres://... [--schema public] [--format text|json|sarif] [--ignore file] [--verify-fixes]`
 * `pg-rls-test audit --migrations <folder|file>... [--sql file] [--preset neon|supabase|none] [...]`
 *
 * A live database: reads the catalog in one read-only transaction (BEGIN READ ONLY ...
 * ROLLBACK: nothing is written), runs the audit and prints it. With --verify-fixes, each fix is
 * then applied in a transaction of its own, rolled back, and the audit re-run there
 * (src/audit/verify.ts). Migrations: a database built from them for the audit (the local backend,
 * or a throw-away database on the --url server), audited through db.audit(), whose findings then
 * point at the statement that creates their object, and dropped. Exit codes: 0 no error-level
 * finding, 1 errors found, 2 bad usage, a database that cannot be reached or read, or SQL that
 * fails to load.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import type { Connection, Result } from '../backends/types.js';
import { describeUrl } from '../backends/url.js';
import { CHECKS, DEFAULT_API_ROLES, evaluate, readFacts, resolveAuditOptions } from '../audit/index.js';
import { formatJson, formatSarif, formatText } from '../audit/format.js';
import { verifyFixes } from '../audit/verify.js';
import type { AuditOptions, AuditResult, Waiver } from '../audit/types.js';
import { UnknownObjectError } from '../errors.js';
import { supabaseMigrationsIn } from '../migrations.js';

import { option, progressWriter, runCommand, toolVersion, UsageError, type CliIo, type OptionValues } from './io.js';

export const AUDIT_USAGE = `usage: pg-rls-test audit --url <postgres url> [options]
       pg-rls-test audit --migrations <folder or file>... [--sql <file>] [--preset neon|supabase|none] [options]

Checks a database for what would make the Neon Data API / PostgREST leak or fail.

--url alone: the live database, read-only (one read-only transaction, rolled back;
--verify-fixes writes, and rolls back).
--migrations: no server needed. A database is built from the preset, the migrations and the
--sql files on the local backend (embedded PGlite, or native PostgreSQL where installed;
$PG_RLS_TEST_BACKEND picks another), or as a throw-away database on the server of --url,
audited and dropped. Each finding then points at the statement that creates its object (the
SARIF results carry its file and line, relative to the repository's root).

options:
  --url <url>                 the database (default: $DATABASE_URL); with --migrations, the server
                              on which a throw-away database is built
  --migrations <path>...      a folder of .sql files applied in name order, a Supabase project
                              (supabase/ or the folder holding it: supabase/migrations), or .sql
                              files; more paths may follow (a shell glob), or repeat the flag
  --sql <file>                SQL applied after the migrations (the grants your platform makes, a
                              fixture); repeatable
  --preset <name>             with --migrations: neon, supabase or none (default: supabase for a
                              Supabase project, else neon)
  --schema <name>             a schema to audit; repeat for several (default: public)
  --format text|json|sarif    output format (default: text)
  --ignore <file>             a JSON file of waivers: [{ "check": "...", "object": "...", "reason": "..." }]
  --authenticated-role <name> the role requests with a token run as (default: the preset's, authenticated)
  --anonymous-role <name>     the role requests without a token run as (default: the preset's,
                              anonymous; Supabase: anon)
  --verify-fixes              try each printed fix: apply it in a transaction that is rolled back,
                              audit again, and label a fix that does not close its finding (this
                              writes, rolled back, and takes the locks of each fix's DDL)
  --connect-timeout <ms>      connection timeout (default: 10000)
  -h, --help                  this text

exit codes: 0 no error-level finding, 1 errors found, 2 bad usage (a --schema that does not exist
included), a database that cannot be reached or read, or migrations that fail (the file, the line
and Postgres's error are printed)`;

class ClientConnection implements Connection {
  readonly client: pg.Client;
  constructor(client: pg.Client) {
    this.client = client;
  }
  async exec(script: string): Promise<Result[]> {
    const r = (await this.client.query(script)) as unknown;
    const list = (Array.isArray(r) ? r : [r]) as pg.QueryResult[];
    return list.map((x) => ({ rows: x.rows ?? [], rowCount: x.rowCount ?? 0, fields: (x.fields ?? []).map((f) => f.name) }));
  }
  async query(sql: string, params?: unknown[]): Promise<Result> {
    const r = await this.client.query(sql, params);
    return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length, fields: r.fields.map((f) => f.name) };
  }
}

function readWaivers(file: string): Waiver[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the --ignore file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`the --ignore file ${file} is not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new UsageError(`the --ignore file ${file} must hold a JSON list of { "check", "object" } waivers`);
  return parsed as Waiver[];
}

const AUDIT_OPTIONS = {
  url: option.string(),
  migrations: option.strings(),
  sql: option.strings(),
  preset: option.choice(['neon', 'supabase', 'none'] as const),
  schema: option.strings(),
  format: option.choice(['text', 'json', 'sarif'] as const),
  ignore: option.string(),
  'authenticated-role': option.string(),
  'anonymous-role': option.string(),
  'connect-timeout': option.number('a number of milliseconds', (n) => Number.isInteger(n) && n > 0),
  'verify-fixes': option.flag(),
};

/** `pg-rls-test audit ...` (argv without the command name); resolves to the exit code. */
export function audit(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, AUDIT_USAGE, AUDIT_OPTIONS, async (args, positionals) => {
    if (args.url !== undefined) checkUrl(args.url);
    // `--migrations supabase/migrations/*.sql`: the shell's glob gives the files after the flag
    if (args.migrations) return runBuilt(io, { ...args, migrations: [...args.migrations, ...positionals] });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals.join(' ')}"`);
    if (args.sql) throw new UsageError('--sql needs --migrations (a live database is audited as it is)');
    if (args.preset) throw new UsageError('--preset needs --migrations (a live database is audited as it is)');
    const url = args.url ?? process.env.DATABASE_URL;
    if (!url) throw new UsageError('--url or --migrations is required (or set DATABASE_URL)');
    checkUrl(url);
    return run(io, { ...args, url });
  });
}

function checkUrl(url: string): void {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--url must be a postgres:// URL, got ${JSON.stringify(url.replace(/:[^:@/]*@/, ':***@'))}`);
}

/** The closest folder holding `.git` at or above `from`: SARIF URIs are relative to it (else to `from`). */
export function repositoryRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

type AuditArgs = OptionValues<typeof AUDIT_OPTIONS>;

/** The audit's options from the flags (roles only where given: the default is the preset's), or exit 2. */
function auditOptions(io: CliIo, args: AuditArgs, roleDefaults?: typeof DEFAULT_API_ROLES): AuditOptions | undefined {
  const apiRoles = {
    ...roleDefaults,
    ...(args['authenticated-role'] ? { authenticated: args['authenticated-role'] } : {}),
    ...(args['anonymous-role'] ? { anonymous: args['anonymous-role'] } : {}),
  };
  try {
    const options: AuditOptions = { ...(args.schema ? { schemas: args.schema } : {}), ignore: args.ignore ? readWaivers(args.ignore) : [], apiRoles };
    resolveAuditOptions(options);
    return options;
  } catch (e) {
    const msg = e instanceof TypeError && args.ignore ? `in ${args.ignore}: ${e.message}` : (e as Error).message;
    io.stderr(`pg-rls-test: ${msg}\n`);
    return undefined;
  }
}

/** Prints the result in the asked format; the exit code. */
function report(io: CliIo, args: AuditArgs, result: AuditResult): number {
  const format = args.format ?? 'text';
  const out =
    format === 'json'
      ? formatJson(result)
      : format === 'sarif'
        ? JSON.stringify(formatSarif(result, { toolVersion: toolVersion(), root: repositoryRoot(process.cwd()) }), null, 2)
        : formatText(result);
  const untried = format === 'text' && result.findings.length > 0 && !args['verify-fixes'];
  io.stdout(`${out}\n${untried ? '\nfixes not tried: --verify-fixes applies each in a transaction that is rolled back and audits again\n' : ''}`);
  return result.findings.some((f) => f.level === 'error') ? 1 : 0;
}

/**
 * --migrations: a database built from the preset, the migrations and the --sql files (the local
 * backend, or a throw-away database on the --url server), audited through db.audit() and dropped.
 */
async function runBuilt(io: CliIo, args: AuditArgs & { migrations: string[] }): Promise<number> {
  const paths = [...args.migrations, ...(args.sql ?? [])];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${args.sql?.includes(p) ? '--sql' : '--migrations'} ${p}: no such file or folder (in ${process.cwd()})`);
  }
  const progress = progressWriter(io);
  const options = auditOptions(io, args);
  if (!options) return 2;
  const preset = args.preset ?? (args.migrations.some((p) => supabaseMigrationsIn(p)) ? 'supabase' : 'neon');
  const { createTestDatabase } = await import('../database.js');
  progress(`pg-rls-test audit: building a database from ${paths.join(', ')} (preset ${preset})…`);
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  try {
    db = await createTestDatabase({
      ...(args.url ? { backend: 'url' as const, url: args.url } : {}),
      migrations: paths.length === 1 ? paths[0]! : paths,
      preset,
      ...(args['connect-timeout'] ? { connectTimeoutMs: args['connect-timeout'] } : {}),
    });
  } catch (e) {
    progress('');
    // the message names the file, the line and Postgres's error, and ends with the hint
    io.stderr(`pg-rls-test: cannot build the database to audit: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    progress(`pg-rls-test audit: auditing ${db.description} (schemas: ${(options.schemas ?? ['public']).join(', ')})…`);
    let result: AuditResult;
    try {
      result = await db.audit({ ...options, verifyFixes: args['verify-fixes'] });
    } catch (e) {
      progress('');
      io.stderr(`pg-rls-test: ${(e as Error).message}\n`);
      return 2;
    }
    progress('');
    // the throw-away database's name means nothing to the reader: name what was audited
    return report(io, args, { ...result, database: args.migrations.join(', ') });
  } finally {
    await db.close();
  }
}

async function run(io: CliIo, args: AuditArgs & { url: string }): Promise<number> {
  const progress = progressWriter(io);
  const options = auditOptions(io, args, DEFAULT_API_ROLES);
  if (!options) return 2;
  const resolved = resolveAuditOptions(options);
  const where = describeUrl(args.url);
  const client = new pg.Client({ connectionString: args.url, connectionTimeoutMillis: args['connect-timeout'] ?? 10_000, application_name: 'pg-rls-test audit' });
  client.on('error', () => undefined);
  try {
    progress(`pg-rls-test audit: connecting to ${where}…`);
    try {
      await client.connect();
    } catch (e) {
      progress('');
      io.stderr(`pg-rls-test: cannot connect to ${where}: ${(e as Error).message}\n`);
      return 2;
    }
    progress(`pg-rls-test audit: reading the catalog of ${where} (schemas: ${resolved.schemas.join(', ')})…`);
    let facts;
    try {
      facts = await readFacts(new ClientConnection(client), resolved);
    } catch (e) {
      progress('');
      // a --schema that does not exist (with its close matches), else a catalog that cannot be read
      io.stderr(e instanceof UnknownObjectError ? `pg-rls-test: in ${where}: ${e.message}\n` : `pg-rls-test: cannot read the catalog of ${where}: ${(e as Error).message}\n`);
      return 2;
    }
    progress(`pg-rls-test audit: ${facts.relations.length} tables and views, ${facts.functions.filter((f) => f.audited).length} functions: running ${CHECKS.length} checks…`);
    let result = evaluate(facts, resolved);
    if (args['verify-fixes'] && result.findings.length) {
      progress(`pg-rls-test audit: trying ${result.findings.length} fixes, each in a transaction that is rolled back…`);
      try {
        result = await verifyFixes(new ClientConnection(client), resolved, result);
      } catch (e) {
        progress('');
        io.stderr(`pg-rls-test: cannot try the fixes on ${where}: ${(e as Error).message}\n`);
        return 2;
      }
    }
    progress('');
    return report(io, args, result);
  } finally {
    await client.end().catch(() => undefined);
  }
}
