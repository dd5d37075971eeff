/**
 * Running SQL as a requester. A request is one batch, one round trip:
 *   SELECT set_config(claims, method, path, headers, role); <statement>; ROLLBACK
 * (PostgREST sets the role with set_config('role', ...) too). A statement with bind
 * parameters needs three calls on the held connection instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Backend, Connection, Result } from '../backends/types.js';
import { postgresError } from '../backends/types.js';
import type { Catalog } from '../catalog/index.js';
import { DataApiError } from '../errors.js';
import type { Preset } from '../presets/neon.js';
import type { SqlSource } from '../migrations.js';
import { literal } from '../sql/index.js';
import type { Issuer } from '../tokens/index.js';
import { identify, type Identity } from './identity.js';
import type { Requester } from './requesters.js';

/** What a session needs from its database. */
export interface Engine {
  backend: Backend;
  issuer: Issuer;
  catalog: Catalog;
  preset: Preset;
  anonymousEnabled: boolean;
  assertOpen(what: string): void;
  /** every user created on this database, then the anonymous requester */
  knownRequesters(): Requester[];
  /** the SQL the database was built from (migration files, inline SQL, seed files), in order: where db.audit() locates findings */
  sources: SqlSource[];
}

export interface Statement {
  sql: string;
  params?: unknown[] | undefined;
  /** the HTTP request the Data API would have received, for request.method / request.path */
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
}

export interface QueryResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

export type Outcome = { ok: true; result: QueryResult } | { ok: false; error: DataApiError };

const HEADERS = literal(JSON.stringify({ 'content-type': 'application/json' }));
/** The claims as an SQL literal, computed once per claims object (a user's claims are one frozen object per second). */
const claimsLiterals = new WeakMap<object, string>();

function claimsLiteral(claims: Identity['claims']): string {
  if (claims === null) return "''";
  let lit = claimsLiterals.get(claims);
  if (lit === undefined) claimsLiterals.set(claims, (lit = literal(JSON.stringify(claims))));
  return lit;
}

/**
 * The request settings the Data API sets, ending with the role switch (assembled from cached
 * literals: every request pays for it).
 */
export function requestSettings(identity: Identity, stmt: Pick<Statement, 'method' | 'path'>): string {
  return (
    `SELECT set_config('request.jwt.claims', ${claimsLiteral(identity.claims)}, true), set_config('request.method', ${literal(stmt.method)}, true), ` +
    `set_config('request.path', ${literal(stmt.path)}, true), set_config('request.headers', ${HEADERS}, true), ` +
    `set_config('request.cookies', '{}', true), set_config('role', ${literal(identity.role)}, true)`
  );
}

/** PostgREST's mapping of SQLSTATE to HTTP status, as the Data API answers. */
export function httpStatus(code: string, anonymous: boolean): number {
  if (code === '42501') return anonymous ? 401 : 403;
  if (code === '23505' || code === '23503' || code === '40001') return 409;
  if (code === '42P01' || code === '42883') return 404;
  if (code === '25006') return 405;
  if (code === '54000' || code === '54001') return 413;
  if (/^(08|53|57)/.test(code)) return 503;
  if (/^(22|23|P0|42|2B|2D|38|39|3B|0L|0P)/.test(code)) return 400;
  return 500;
}

export function toDataApiError(e: unknown, anonymous: boolean): DataApiError {
  if (e instanceof DataApiError) return e;
  const pg = postgresError(e);
  if (!pg) throw e;
  return new DataApiError({ status: httpStatus(pg.code, anonymous), code: pg.code, message: pg.message, detail: pg.detail ?? null, hint: pg.hint ?? null, cause: e });
}

const plain = (r: Result): QueryResult => ({ rows: r.rows, rowCount: r.rowCount });

/** Inside transaction(fn): calls on the same database outside `tx` would wait forever for the connection. */
export const insideTransaction = new AsyncLocalStorage<Engine>();

export function assertNotInTransaction(engine: Engine, what: string): void {
  if (insideTransaction.getStore() === engine) {
    throw new TypeError(`${what} was called inside a transaction() callback of the same database: use the callback's \`tx\` argument (the connection is held by the transaction until the callback returns)`);
  }
}

/**
 * Runs one statement as `identity`, rolled back; rejects with DataApiError on a Postgres error.
 *
 * The batch has no BEGIN: a simple-query string of several statements is one implicit
 * transaction, which the trailing ROLLBACK ends, and which Postgres rolls back by itself when a
 * statement fails. So a refused write (the common case here) costs one round trip, not two.
 * Savepoints need a real transaction block: probe() keeps BEGIN.
 */
export async function runAs(engine: Engine, identity: Identity, stmt: Statement): Promise<QueryResult> {
  const settings = requestSettings(identity, stmt);
  return engine.backend.exclusive(async (conn) => {
    try {
      if (stmt.params && stmt.params.length) {
        await conn.exec(`BEGIN; ${settings}`);
        const r = await conn.query(stmt.sql, stmt.params);
        await conn.exec('ROLLBACK');
        return plain(r);
      }
      // the statement on lines of its own: one that ends with a -- comment must not swallow the ROLLBACK
      const results = await conn.exec(`${settings};\n${stmt.sql}\n; ROLLBACK`);
      // settings, the statement(s), ROLLBACK: the last of the statement's results.
      return plain(results[results.length - 2]!);
    } catch (e) {
      if (stmt.params?.length || !postgresError(e)) await rollbackQuietly(conn);
      throw toDataApiError(e, identity.anonymous);
    }
  });
}

/** An owner statement, then one as `identity`, in one rolled-back round trip (an implicit transaction, as runAs). */
export async function runPair(engine: Engine, identity: Identity, ownerSql: string, stmt: Statement): Promise<[QueryResult, QueryResult]> {
  const settings = requestSettings(identity, stmt);
  return engine.backend.exclusive(async (conn) => {
    try {
      const r = await conn.exec(`${ownerSql}\n; ${settings};\n${stmt.sql}\n; ROLLBACK`);
      return [plain(r[0]!), plain(r[2]!)];
    } catch (e) {
      if (!postgresError(e)) await rollbackQuietly(conn);
      throw toDataApiError(e, identity.anonymous);
    }
  });
}

export async function rollbackQuietly(conn: Connection): Promise<void> {
  await conn.exec('ROLLBACK').catch(() => undefined);
}

export interface ProbeOptions {
  /** The error Postgres would raise for this identity, when the catalog already tells (a missing privilege). */
  refuse?: (identity: Identity, item: ProbeItem) => Promise<DataApiError | undefined>;
}

export interface ProbeItem {
  requester: Requester;
  stmt: Statement;
}

/**
 * Several requesters' statements in one round trip, each isolated by a savepoint (so one
 * requester's write is not seen by the next), all rolled back. When one fails, the items are
 * run one by one to say which, and why. Identity errors (an invalid token) become that item's
 * outcome; setup errors (an unknown role, an RLS-bypassing role) reject.
 */
export async function probe(engine: Engine, items: ProbeItem[], options: ProbeOptions = {}): Promise<Outcome[]> {
  const identities = await Promise.all(
    items.map((i) =>
      identify(engine, i.requester)
        .then(async (id) => {
          // A refusal known from the catalog stays out of the batch, where its error would abort the rest.
          const refused = await options.refuse?.(id, i);
          return refused ? { ok: false as const, error: refused } : { ok: true as const, id };
        })
        .catch((error: unknown) => {
          if (error instanceof DataApiError) return { ok: false as const, error };
          throw error;
        }),
    ),
  );
  const outcomes: (Outcome | undefined)[] = identities.map((x) => (x.ok ? undefined : { ok: false, error: x.error }));
  const runnable = items.map((item, i) => ({ item, i, id: identities[i]! })).filter((x) => x.id.ok);
  if (runnable.length === 0) return outcomes as Outcome[];
  const parts = runnable.map(({ item, id }) => `SAVEPOINT p; ${requestSettings((id as { id: Identity }).id, item.stmt)};\n${item.stmt.sql}\n; ROLLBACK TO SAVEPOINT p`);
  const batchable = runnable.every(({ item }) => !item.stmt.params?.length);
  const batched = !batchable ? undefined : await engine.backend.exclusive(async (conn) => {
    try {
      return await conn.exec(`BEGIN; ${parts.join('; ')}; ROLLBACK`);
    } catch (e) {
      if (!postgresError(e)) throw e;
      await rollbackQuietly(conn);
      return undefined;
    }
  });
  if (batched) {
    // BEGIN, then per item: SAVEPOINT, settings, statement, ROLLBACK TO.
    runnable.forEach(({ i }, k) => {
      outcomes[i] = { ok: true, result: plain(batched[1 + k * 4 + 2]!) };
    });
  } else {
    for (const { item, i, id } of runnable) {
      const identity = (id as { id: Identity }).id;
      outcomes[i] = await runAs(engine, identity, item.stmt).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => {
          if (error instanceof DataApiError) return { ok: false as const, error };
          throw error;
        },
      );
    }
  }
  return outcomes as Outcome[];
}
