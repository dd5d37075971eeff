/**
 * `db.as(requester)` and `db.owner`: query, insert, update, delete (each a lazy request that
 * runs when awaited, or when a matcher runs it) and transaction(fn).
 */
import type { Connection } from '../backends/types.js';
import { postgresError } from '../backends/types.js';
import type { Catalog, TableInfo } from '../catalog/index.js';
import { DataApiError, ResetUnsupportedError } from '../errors.js';
import { deleteSql, insertSql, qualified, updateSql, type Returning, type Row, type Where } from '../sql/index.js';
import { ENGINE } from '../refs.js';
import {
  assertNotInTransaction,
  insideTransaction,
  requestSettings,
  rollbackQuietly,
  runAs,
  toDataApiError,
  type Engine,
  type Outcome,
  type QueryResult,
  type Statement,
} from './engine.js';
import { touch } from '../coverage.js';
import { identify, type Identity } from './identity.js';
import { requesterLabel, type Requester } from './requesters.js';
import { brand } from '../brands.js';

export type RequestKind = 'query' | 'insert' | 'update' | 'delete';

/** How a write answers, as the Data API's `Prefer: return=...` header (see Returning). */
export interface WriteOptions {
  /**
   * false (the default, return=minimal: no RETURNING, as a POST/PATCH/DELETE without `Prefer`):
   * the result is `{ rowCount }`. true (return=representation): also `rows`, every column.
   * A list of columns: `rows` with those (return=representation plus `select=`).
   */
  returning?: Returning;
}

/** A write's result under return=minimal: how many rows it wrote, nothing else. */
export interface WriteResult {
  rowCount: number;
}

/** The result type of a write with these options: rows only when asked for. */
export type WriteResultOf<O extends WriteOptions | undefined> = O extends { returning: true | string[] } ? QueryResult : WriteResult;

type Built = { stmt: Statement; table?: TableInfo; returning: boolean };

/** What a caller gets: the query's rows, or under return=minimal only the count. */
function shape(kind: RequestKind, returning: boolean, r: QueryResult): QueryResult | WriteResult {
  return kind === 'query' || returning ? { rows: r.rows, rowCount: r.rowCount } : { rowCount: r.rowCount };
}

/**
 * A request that has not run yet. Awaiting it runs it (once) and gives `{ rows, rowCount }` (a
 * write without `returning`: `{ rowCount }`) or rejects with a DataApiError; matchers such as
 * toBeDeniedByRls run it themselves.
 */
export class PendingRequest<R = QueryResult> implements PromiseLike<R> {
  static {
    brand(this, 'PendingRequest');
  }
  readonly kind: RequestKind;
  /** the table written to, for insert/update/delete */
  readonly table: string | undefined;
  /** who it runs as */
  readonly requester: Requester;
  readonly requesterLabel: string;
  /** the database it runs on (for matchers' explanations) */
  readonly [ENGINE]: Engine;
  #start: () => Promise<Built & { run: () => Promise<QueryResult> }>;
  #outcome: Promise<Outcome & { sql: string; tableInfo?: TableInfo | undefined; returning: boolean }> | undefined;

  constructor(engine: Engine, kind: RequestKind, table: string | undefined, requester: Requester, start: PendingRequest['start']) {
    this[ENGINE] = engine;
    this.kind = kind;
    this.table = table;
    this.requester = requester;
    this.requesterLabel = requesterLabel(requester);
    this.#start = start;
  }

  private get start() {
    return this.#start;
  }

  /** Runs the request (once) and reports success or the DataApiError, without throwing it. */
  outcome(): Promise<Outcome & { sql: string; tableInfo?: TableInfo | undefined; returning: boolean }> {
    this.#outcome ??= (async () => {
      const { stmt, table, returning, run } = await this.#start();
      try {
        return { ok: true as const, result: await run(), sql: stmt.sql, tableInfo: table, returning };
      } catch (error) {
        if (error instanceof DataApiError) return { ok: false as const, error, sql: stmt.sql, tableInfo: table, returning };
        throw error;
      }
    })();
    return this.#outcome;
  }

  then<A = R, B = never>(onFulfilled?: ((v: R) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.outcome()
      .then((o) => {
        if (o.ok) return shape(this.kind, o.returning, o.result) as R;
        throw o.error;
      })
      .then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected: (e: unknown) => B | PromiseLike<B>): Promise<R | B> {
    return this.then(undefined, onRejected);
  }
}

/** Checks the columns named in values and where against the table: typos get close names. */
async function checkColumns(catalog: Catalog, table: TableInfo, ...objects: (Row | Row[] | Where | undefined)[]): Promise<void> {
  for (const o of objects) {
    if (o === undefined || typeof o === 'string') continue;
    for (const row of Array.isArray(o) ? o : [o]) for (const c of Object.keys(row)) await catalog.column(table, c);
  }
}

async function checkReturning(catalog: Catalog, table: TableInfo, kind: RequestKind, options: unknown): Promise<Returning> {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`${kind}() options must be an object such as { returning: true }`);
  const { returning } = options as WriteOptions;
  if (returning === undefined || typeof returning === 'boolean') return returning;
  if (!Array.isArray(returning) || returning.length === 0 || !returning.every((c) => typeof c === 'string')) {
    throw new TypeError(`${kind}(): "returning" must be true, false, or a non-empty list of column names, got ${JSON.stringify(returning)}`);
  }
  for (const c of returning) await catalog.column(table, c);
  return returning;
}

export async function build(catalog: Catalog, kind: RequestKind, args: unknown[]): Promise<Built> {
  if (kind === 'query') {
    const [sql, params] = args as [string, unknown[] | undefined];
    if (typeof sql !== 'string') throw new TypeError('query() takes an SQL string as its first argument');
    touch('sql', sql);
    return { returning: true, stmt: { sql, params, method: /^\s*(select|with|table|values)\b/i.test(sql) ? 'GET' : 'POST', path: '/rpc/query' } };
  }
  const name = args[0];
  if (typeof name !== 'string') throw new TypeError(`${kind}() takes a table name as its first argument`);
  const table = await catalog.table(name);
  const target = qualified(table.schema, table.name);
  const path = `/${table.name}`;
  if (kind === 'insert') {
    const [, values, options] = args as [string, Row | Row[], unknown];
    await checkColumns(catalog, table, values);
    const returning = await checkReturning(catalog, table, kind, options);
    return { table, returning: Boolean(returning), stmt: { sql: insertSql(target, values, returning), method: 'POST', path } };
  }
  if (kind === 'update') {
    const [, values, where, options] = args as [string, Row, Where, unknown];
    if (where === undefined) throw new TypeError('update() needs a where argument (use {} or "true" to update every visible row)');
    await checkColumns(catalog, table, values, where);
    const returning = await checkReturning(catalog, table, kind, options);
    return { table, returning: Boolean(returning), stmt: { sql: updateSql(target, values, where, returning), method: 'PATCH', path } };
  }
  const [, where, options] = args as [string, Where, unknown];
  if (where === undefined) throw new TypeError('delete() needs a where argument (use {} or "true" to delete every visible row)');
  await checkColumns(catalog, table, where);
  const returning = await checkReturning(catalog, table, kind, options);
  return { table, returning: Boolean(returning), stmt: { sql: deleteSql(target, where, returning), method: 'DELETE', path } };
}

/** `db.as(requester)`: every call is its own transaction, rolled back. */
export class Session {
  static {
    brand(this, 'Session');
  }
  readonly requester: Requester;
  #engine: Engine;

  constructor(engine: Engine, requester: Requester) {
    this.#engine = engine;
    this.requester = requester;
  }

  #pending<R>(kind: RequestKind, args: unknown[]): PendingRequest<R> {
    const engine = this.#engine;
    const requester = this.requester;
    return new PendingRequest<R>(engine, kind, kind === 'query' ? undefined : (args[0] as string), requester, async () => {
      engine.assertOpen(`db.as(...).${kind}()`);
      assertNotInTransaction(engine, `db.as(...).${kind}()`);
      const built = await build(engine.catalog, kind, args);
      return { ...built, run: async () => runAs(engine, await identify(engine, requester), built.stmt) };
    });
  }

  query(sql: string, params?: unknown[]): PendingRequest<QueryResult> {
    return this.#pending('query', [sql, params]);
  }
  /** A POST: `{ rowCount }` (return=minimal), or with `{ returning }` also the rows. */
  insert<O extends WriteOptions | undefined = undefined>(table: string, values: Row | Row[], options?: O): PendingRequest<WriteResultOf<O>> {
    return this.#pending('insert', [table, values, options]);
  }
  /** A PATCH with a filter: `{ rowCount }` (return=minimal), or with `{ returning }` also the rows. */
  update<O extends WriteOptions | undefined = undefined>(table: string, values: Row, where: Where, options?: O): PendingRequest<WriteResultOf<O>> {
    return this.#pending('update', [table, values, where, options]);
  }
  /** A DELETE with a filter: `{ rowCount }` (return=minimal), or with `{ returning }` also the rows. */
  delete<O extends WriteOptions | undefined = undefined>(table: string, where: Where, options?: O): PendingRequest<WriteResultOf<O>> {
    return this.#pending('delete', [table, where, options]);
  }

  /** Several statements as this requester in one transaction, rolled back at the end. */
  async transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const engine = this.#engine;
    engine.assertOpen('db.as(...).transaction()');
    assertNotInTransaction(engine, 'db.as(...).transaction()');
    const identity = await identify(engine, this.requester);
    return inTransaction(engine, identity, fn);
  }
}

/** The statement builders of `tx` and `db.owner`: each statement runs at once and resolves to its result. */
export abstract class ImmediateWriter {
  /** Builds and runs one statement. */
  protected abstract run<R>(kind: RequestKind, args: unknown[]): Promise<R>;

  query(sql: string, params?: unknown[]): Promise<QueryResult> {
    return this.run('query', [sql, params]);
  }
  /** `{ rowCount }` (return=minimal), or with `{ returning }` also the rows. */
  insert<O extends WriteOptions | undefined = undefined>(table: string, values: Row | Row[], options?: O): Promise<WriteResultOf<O>> {
    return this.run('insert', [table, values, options]);
  }
  update<O extends WriteOptions | undefined = undefined>(table: string, values: Row, where: Where, options?: O): Promise<WriteResultOf<O>> {
    return this.run('update', [table, values, where, options]);
  }
  delete<O extends WriteOptions | undefined = undefined>(table: string, where: Where, options?: O): Promise<WriteResultOf<O>> {
    return this.run('delete', [table, where, options]);
  }
}

/** The `tx` of transaction(fn): statements run at once, in the open transaction. */
export class Transaction extends ImmediateWriter {
  static {
    brand(this, 'Transaction');
  }
  #catalog: Catalog;
  #conn: Connection;
  #identity: Identity | null;

  constructor(catalog: Catalog, conn: Connection, identity: Identity | null) {
    super();
    this.#catalog = catalog;
    this.#conn = conn;
    this.#identity = identity;
  }

  protected async run<R>(kind: RequestKind, args: unknown[]): Promise<R> {
    const { stmt, returning } = await build(this.#catalog, kind, args);
    try {
      if (stmt.params?.length) return shape(kind, returning, await this.#conn.query(stmt.sql, stmt.params)) as R;
      const results = await this.#conn.exec(stmt.sql);
      return shape(kind, returning, results[results.length - 1]!) as R;
    } catch (e) {
      throw toDataApiError(e, this.#identity?.anonymous ?? false);
    } finally {
      // raw SQL may be DDL: later lookups in this transaction must see its effect
      if (kind === 'query') this.#catalog.invalidate();
    }
  }
}

/** BEGIN (as identity, or as the owner when null), fn(tx), ROLLBACK; fn's error is rethrown unchanged. */
export async function inTransaction<T>(engine: Engine, identity: Identity | null, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError('transaction() takes an async function (tx) => { ... }');
  return engine.backend.exclusive(async (conn) => {
    await conn.exec(identity ? `BEGIN; ${requestSettings(identity, { method: 'POST', path: '/rpc/transaction' })}` : 'BEGIN');
    // Lookups inside load on this connection into their own cache (the shared one never sees
    // what was rolled back); a user's transaction reuses facts already cached, the owner's
    // may run DDL and so starts afresh.
    const tx = new Transaction(engine.catalog.within(conn, { inherit: identity !== null }), conn, identity);
    try {
      // Await inside the scope: a pending request returned by fn runs when awaited, and must see the scope.
      return await insideTransaction.run(engine, async () => await fn(tx));
    } finally {
      await rollbackQuietly(conn);
    }
  });
}

/**
 * `db.owner`: the setup connection's rights. Outside a transaction a statement commits (until
 * db.reset()); on a `url` database used as it is, nothing commits, and a statement that wrote
 * something (rolled back at once) rejects with ResetUnsupportedError instead of vanishing.
 */
/** An owner write on a database used as it is: rolled back, said loudly (the next matcher would not find its rows). */
function existingDatabaseWrite(kind: RequestKind): ResetUnsupportedError {
  return new ResetUnsupportedError(
    `db.owner.${kind}() wrote to a database used as it is (backend 'url', existing: true), where nothing is committed and nothing can be reset: the write was rolled back, and no later request or matcher would see it`,
    {
      hint:
        "put the rows into that database before the tests, or give the tests a throw-away database (drop existing: true; the server role needs CREATEDB) where db.owner's writes commit until db.reset(); " +
        'db.owner.transaction(fn) rolls back as well, and the matchers cannot see its writes either, only the statements inside fn',
    },
  );
}

export class OwnerSession extends ImmediateWriter {
  static {
    brand(this, 'OwnerSession');
  }
  #engine: Engine;
  constructor(engine: Engine) {
    super();
    this.#engine = engine;
  }

  protected async run<R>(kind: RequestKind, args: unknown[]): Promise<R> {
    const engine = this.#engine;
    engine.assertOpen(`db.owner.${kind}()`);
    assertNotInTransaction(engine, `db.owner.${kind}()`);
    const { stmt, returning } = await build(engine.catalog, kind, args);
    const end = engine.backend.commits ? 'COMMIT' : 'ROLLBACK';
    // txid_current_if_assigned() tells whether anything was written: only then is reset() needed.
    return engine.backend.exclusive(async (conn) => {
      try {
        let r: { rows: Record<string, unknown>[]; rowCount: number };
        let wrote: boolean;
        if (stmt.params?.length) {
          await conn.exec('BEGIN');
          r = await conn.query(stmt.sql, stmt.params);
          const w = await conn.exec(`SELECT txid_current_if_assigned() IS NOT NULL AS wrote; ${end}`);
          wrote = Boolean(w[0]!.rows[0]!.wrote);
        } else {
          // on lines of their own: a statement that ends with a -- comment must not swallow them
          const results = await conn.exec(`BEGIN;\n${stmt.sql}\n; SELECT txid_current_if_assigned() IS NOT NULL AS wrote; ${end}`);
          r = results[results.length - 3]!;
          wrote = Boolean(results[results.length - 2]!.rows[0]!.wrote);
        }
        if (wrote && !engine.backend.commits) throw existingDatabaseWrite(kind);
        if (wrote) {
          engine.backend.markDirty();
          engine.catalog.invalidate();
        }
        return shape(kind, returning, r) as R;
      } catch (e) {
        await rollbackQuietly(conn);
        if (postgresError(e)) throw toDataApiError(e, false);
        throw e;
      }
    });
  }

  /** Several statements with owner rights in one transaction, rolled back at the end. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#engine.assertOpen('db.owner.transaction()');
    assertNotInTransaction(this.#engine, 'db.owner.transaction()');
    return inTransaction(this.#engine, null, fn);
  }
}
