/**
 * `pg-rls-test audit --url postgres://... [--schema public] [--format text|json|sarif] [--ignore file] [--verify-fixes]`
 *
 * Reads the catalog in one read-only transaction (BEGIN READ ONLY ... ROLLBACK: nothing is
 * written), runs the audit and prints it. With --verify-fixes, each fix is then applied in a
 * transaction of its own, rolled back, and the audit re-run there (src/audit/verify.ts). Exit codes: 0 no error-level finding, 1 errors found,
 * 2 bad usage or a database that cannot be reached or read.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Connection, Result } from '../backends/types.js';
import { describeUrl } from '../backends/url.js';
import { CHECKS, DEFAULT_API_ROLES, evaluate, readFacts, resolveAuditOptions } from '../audit/index.js';
import { formatJson, formatSarif, formatText } from '../audit/format.js';
import { verifyFixes } from '../audit/verify.js';
import type { Waiver } from '../audit/types.js';
import { UnknownObjectError } from '../errors.js';

import { option, progressWriter, runCommand, toolVersion, UsageError, type CliIo, type OptionValues } from './io.js';

export const AUDIT_USAGE = `usage: pg-rls-test audit --url <postgres url> [options]

Checks a live database for what would make the Neon Data API / PostgREST leak or fail.
Read-only: one read-only transaction, rolled back (--verify-fixes writes, and rolls back).

options:
  --url <url>                 the database (default: $DATABASE_URL)
  --schema <name>             a schema to audit; repeat for several (default: public)
  --format text|json|sarif    output format (default: text)
  --ignore <file>             a JSON file of waivers: [{ "check": "...", "object": "...", "reason": "..." }]
  --authenticated-role <name> the role requests with a token run as (default: authenticated)
  --anonymous-role <name>     the role requests without a token run as (default: anonymous; Supabase: anon)
  --verify-fixes              try each printed fix: apply it in a transaction that is rolled back,
                              audit again, and label a fix that does not close its finding (this
                              writes, rolled back, and takes the locks of each fix's DDL)
  --connect-timeout <ms>      connection timeout (default: 10000)
  -h, --help                  this text

exit codes: 0 no error-level finding, 1 errors found, 2 bad usage (a --schema that does not exist
included) or the database cannot be read`;

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
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals.join(' ')}"`);
    const url = args.url ?? process.env.DATABASE_URL;
    if (!url) throw new UsageError('--url is required (or set DATABASE_URL)');
    if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError(`--url must be a postgres:// URL, got ${JSON.stringify(url.replace(/:[^:@/]*@/, ':***@'))}`);
    return run(io, { ...args, url });
  });
}

async function run(io: CliIo, args: OptionValues<typeof AUDIT_OPTIONS> & { url: string }): Promise<number> {
  const progress = progressWriter(io);
  let resolved: ReturnType<typeof resolveAuditOptions>;
  try {
    resolved = resolveAuditOptions({
      schemas: args.schema,
      ignore: args.ignore ? readWaivers(args.ignore) : [],
      apiRoles: { authenticated: args['authenticated-role'] ?? DEFAULT_API_ROLES.authenticated, anonymous: args['anonymous-role'] ?? DEFAULT_API_ROLES.anonymous },
    });
  } catch (e) {
    const msg = e instanceof TypeError && args.ignore ? `in ${args.ignore}: ${e.message}` : (e as Error).message;
    io.stderr(`pg-rls-test: ${msg}\n`);
    return 2;
  }

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
    const format = args.format ?? 'text';
    const out =
      format === 'json' ? formatJson(result) : format === 'sarif' ? JSON.stringify(formatSarif(result, { toolVersion: toolVersion() }), null, 2) : formatText(result);
    const untried = format === 'text' && result.findings.length > 0 && !args['verify-fixes'];
    io.stdout(`${out}\n${untried ? '\nfixes not tried: --verify-fixes applies each in a transaction that is rolled back and audits again\n' : ''}`);
    return result.findings.some((f) => f.level === 'error') ? 1 : 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}
