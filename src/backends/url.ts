/**
 * A real Postgres server reached by URL (a local server, a Neon branch, a container).
 * - Default: a throw-away database. The preset, migrations and seed go into a template
 *   database; the working database is a copy of it, so reset() is DROP + CREATE ... TEMPLATE.
 *   close() drops both. Roles are cluster-wide and stay.
 * - `existing: true`: the database as it is. Nothing is installed and nothing committed:
 *   every request and every owner query runs in a rolled-back transaction.
 */
import { BackendUnavailableError } from '../errors.js';
import { ident } from '../sql/index.js';
import { commentSql, sweepThrowaways, throwawayNames } from './throwaway.js';
import { applyMutation, SerialBackend, type Backend, type BackendKind, type Connection, type Result, type Setup } from './types.js';

type PgModule = typeof import('pg');
type PgClient = InstanceType<PgModule['Client']>;

let pgLoaded: Promise<PgModule> | undefined;
function loadPg(): Promise<PgModule> {
  pgLoaded ??= import('pg')
    .then((m) => ((m as unknown as { default?: PgModule }).default ?? m) as PgModule)
    .catch((cause) => {
      pgLoaded = undefined;
      throw new BackendUnavailableError('the url backend needs the package pg, which could not be loaded', { cause, hint: 'npm install pg' });
    });
  return pgLoaded;
}

const INT8 = 20;

/** Where a URL points, without the password, for messages. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function connect(url: string, timeoutMs: number, applicationName?: string): Promise<PgClient> {
  const pg = await loadPg();
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    ...(applicationName ? { application_name: applicationName } : {}),
    // int8 as a number, as PGlite returns it, so rows compare equal on every backend.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text'))) as never },
  });
  client.on('error', () => undefined); // a dropped connection surfaces on the next query instead
  try {
    await client.connect();
  } catch (cause) {
    const where = describeUrl(url);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new BackendUnavailableError(`cannot connect to the Postgres server at ${where}: ${reason}`, {
      cause,
      hint: 'check that the server runs and the URL (host, port, user, password, database) is right, or use backend: "embedded" (no server needed)',
    });
  }
  return client;
}

class PgConnection implements Connection {
  readonly client: PgClient;
  constructor(client: PgClient) {
    this.client = client;
  }
  async exec(script: string): Promise<Result[]> {
    const r = (await this.client.query(script)) as unknown;
    const list = (Array.isArray(r) ? r : [r]) as { rows: Result['rows']; rowCount: number | null; fields?: { name: string }[] }[];
    return list.map((x) => ({ rows: x.rows ?? [], rowCount: x.rowCount ?? x.rows?.length ?? 0, fields: (x.fields ?? []).map((f) => f.name) }));
  }
  async query(sql: string, params?: unknown[]): Promise<Result> {
    const r = await this.client.query(sql, params as unknown[]);
    return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length, fields: r.fields.map((f) => f.name) };
  }
}

/**
 * CREATE DATABASE ... TEMPLATE copies the contents, not the settings made with ALTER DATABASE ...
 * SET (a preset's search_path): copy those too, values through set_config, never spliced into SQL.
 */
async function copyDatabaseSettings(admin: PgClient, from: string, to: string): Promise<void> {
  const { rows } = await admin.query(
    `SELECT unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = $1 AND s.setrole = 0`,
    [from],
  );
  for (const { setting } of rows as { setting: string }[]) {
    const eq = setting.indexOf('=');
    const name = setting.slice(0, eq);
    await admin.query('BEGIN');
    try {
      await admin.query('SELECT set_config($1, $2, true)', [name, setting.slice(eq + 1)]);
      await admin.query(`ALTER DATABASE ${ident(to)} SET ${ident(name)} FROM CURRENT`);
      await admin.query('COMMIT');
    } catch (e) {
      await admin.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }
}

/** How a server database is prepared, restored and disposed of. */
interface Lifecycle {
  kind: BackendKind;
  commits: boolean;
  /** Connects to the working database. */
  connect(): Promise<PgClient>;
  /** Puts the working database back (the working connection is already closed). */
  restore(): Promise<void>;
  dispose(): Promise<void>;
  description: string;
}

export interface UrlOptions {
  url: string;
  existing?: boolean | undefined;
  connectTimeoutMs?: number | undefined;
  /** Told what a start is doing, so a runner's timeout can name the slow step. */
  onPhase?: ((phase: string) => void) | undefined;
}

export interface ThrowawayOptions {
  /** run after the databases are dropped (testcontainers: stop the container) */
  extraDispose?: (() => Promise<void>) | undefined;
  onPhase?: ((phase: string) => void) | undefined;
  /** what the server is, for the description (default: its URL) */
  label?: string | undefined;
}

/** Servers swept by this process already (host:port). */
const swept = new Set<string>();

export class ServerBackend extends SerialBackend<PgConnection> implements Backend {
  readonly kind: BackendKind;
  readonly commits: boolean;
  readonly description: string;
  #life: Lifecycle;

  private constructor(life: Lifecycle, client: PgClient) {
    super(new PgConnection(client));
    this.#life = life;
    this.kind = life.kind;
    this.commits = life.commits;
    this.description = life.description;
  }

  /** The url backend. */
  static async start(setup: Setup, options: UrlOptions): Promise<ServerBackend> {
    const timeout = options.connectTimeoutMs ?? 5000;
    if (options.existing) {
      const life: Lifecycle = {
        kind: 'url',
        commits: false,
        connect: () => connect(options.url, timeout),
        restore: async () => undefined,
        dispose: async () => undefined,
        description: `postgres://${describeUrl(options.url)} (existing database, nothing committed)`,
      };
      return new ServerBackend(life, await life.connect());
    }
    return ServerBackend.throwaway(setup, options.url, timeout, 'url', { onPhase: options.onPhase });
  }

  /**
   * A throw-away database (and its template) on the server at `url`, named after this process;
   * first, once per server, those whose owner died are dropped (throwaway.ts).
   */
  static async throwaway(setup: Setup, url: string, timeout: number, kind: BackendKind, more: ThrowawayOptions = {}): Promise<ServerBackend> {
    const { extraDispose, label } = more;
    const phase = more.onPhase ?? (() => undefined);
    const { stem, template, appName, comment } = throwawayNames();
    phase(`connecting to ${describeUrl(url)}`);
    // the admin connection lives as long as the databases: a sweep elsewhere sees it and keeps them
    const admin = await connect(url, timeout, appName);
    const server = describeUrl(withDatabase(url, ''));
    if (!swept.has(server)) {
      swept.add(server);
      await sweepThrowaways(new PgConnection(admin)).catch(() => undefined); // best effort
    }
    const created: string[] = [];
    const drop = async (db: string) => {
      await admin.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`);
    };
    const dispose = async () => {
      try {
        for (const db of created.reverse()) await drop(db);
      } finally {
        await admin.end().catch(() => undefined);
        await extraDispose?.();
      }
    };
    try {
      phase(`creating the template database ${template} and applying the preset, migrations and seed`);
      await admin.query(`CREATE DATABASE ${ident(template)}`);
      created.push(template);
      await admin.query(commentSql(template, comment));
      const tpl = await connect(withDatabase(url, template), timeout);
      try {
        const conn = new PgConnection(tpl);
        await setup.base(conn);
        await setup.rest(conn, kind);
        // mutate: the mutant goes into the template, so reset() returns to the mutated state
        if (setup.mutation) await applyMutation(conn, setup.mutation);
      } finally {
        await tpl.end();
      }
      const copy = async () => {
        await admin.query(`CREATE DATABASE ${ident(stem)} TEMPLATE ${ident(template)}`);
        await copyDatabaseSettings(admin, template, stem);
      };
      await copy();
      created.push(stem);
      const life: Lifecycle = {
        kind,
        commits: true,
        connect: () => connect(withDatabase(url, stem), timeout),
        restore: async () => {
          await drop(stem);
          await copy();
        },
        dispose,
        description: label ? `${label}, database ${stem}` : `postgres://${describeUrl(withDatabase(url, stem))}`,
      };
      return new ServerBackend(life, await life.connect());
    } catch (e) {
      await dispose().catch(() => undefined);
      throw e;
    }
  }

  reset(): Promise<void> {
    return this.serially(async () => {
      if (!this.dirty || !this.commits) return;
      await this.conn.client.end();
      await this.#life.restore();
      this.conn = new PgConnection(await this.#life.connect());
      this.dirty = false;
    });
  }
  close(): Promise<void> {
    return this.serially(async () => {
      try {
        await this.conn.client.end();
      } finally {
        await this.#life.dispose();
      }
    });
  }
}
