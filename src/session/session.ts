/**
 * `db.as(requester)` and `db.owner`: query, insert, update, delete (each a lazy request that
 * runs when awaited, or when a matcher runs it) and transaction(fn).
 */
import type { Connection } from '../backends/types.js';
import { postgresError } from '../backends/types.js';
import type { Catalog, TableInfo } from '../catalog/index.js';
import { DataApiError } from '../errors.js';
import { deleteSql, insertSql, qualified, updateSql, type Row, type Where } from '../sql/index.js';
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
import { identify, type Identity } from './identity.js';
import { requesterLabel, type Requester } from './requesters.js';
import { brand } from '../brands.js';

export type RequestKind = 'query' | 'insert' | 'update' | 'delete';

/**
 * A request that has not run yet. Awaiting it runs it (once) and gives `{ rows, rowCount }` or
 * rejects with a DataApiError; matchers such as toBeDeniedByRls run it themselves.
 */
export class PendingRequest implements PromiseLike<QueryResult> {
  static {
    brand(this, 'PendingRequest');
  }
  readonly kind: RequestKind;
  /** the table written to, for insert/update/delete */
  readonly table: string | undefined;
  /** who it runs as ("owner" for db.owner) */
  readonly requesterLabel: string;
  #start: () => Promise<{ stmt: Statement; table?: TableInfo; run: () => Promise<QueryResult> }>;
  #outcome: Promise<Outcome & { sql: string; tableInfo?: TableInfo | undefined }> | undefined;

  constructor(kind: RequestKind, table: string | undefined, label: string, start: PendingRequest['start']) {
    this.kind = kind;
    this.table = table;
    this.requesterLabel = label;
    this.#start = start;
  }

  private get start() {
    return this.#start;
  }

  /** Runs the request (once) and reports success or the DataApiError, without throwing it. */
  outcome(): Promise<Outcome & { sql: string; tableInfo?: TableInfo | undefined }> {
    this.#outcome ??= (async () => {
      const { stmt, table, run } = await this.#start();
      try {
        return { ok: true as const, result: await run(), sql: stmt.sql, tableInfo: table };
      } catch (error) {
        if (error instanceof DataApiError) return { ok: false as const, error, sql: stmt.sql, tableInfo: table };
        throw error;
      }
    })();
    return this.#outcome;
  }

  then<A = QueryResult, B = never>(onFulfilled?: ((v: QueryResult) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.outcome()
      .then((o) => {
        if (o.ok) return o.result;
        throw o.error;
      })
      .then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected: (e: unknown) => B | PromiseLike<B>): Promise<QueryResult | B> {
    return this.then(undefined, onRejected);
  }
}

/** The statement builders shared by sessions and transactions. */
export interface Writer<R> {
  query(sql: string, params?: unknown[]): R;
  insert(table: string, values: Row | Row[]): R;
  update(table: string, values: Row, where: Where): R;
  delete(table: string, where: Where): R;
}

/** Checks the columns named in values and where against the table: typos get close names. */
async function checkColumns(catalog: Catalog, table: TableInfo, ...objects: (Row | Row[] | Where | undefined)[]): Promise<void> {
  for (const o of objects) {
    if (o === undefined || typeof o === 'string') continue;
    for (const row of Array.isArray(o) ? o : [o]) for (const c of Object.keys(row)) await catalog.column(table, c);
  }
}

export async function build(catalog: Catalog, kind: RequestKind, args: unknown[]): Promise<{ stmt: Statement; table?: TableInfo }> {
  if (kind === 'query') {
    const [sql, params] = args as [string, unknown[] | undefined];
    if (typeof sql !== 'string') throw new TypeError('query() takes an SQL string as its first argument');
    return { stmt: { sql, params, method: /^\s*(select|with|table|values)\b/i.test(sql) ? 'GET' : 'POST', path: '/rpc/query' } };
  }
  const name = args[0];
  if (typeof name !== 'string') throw new TypeError(`${kind}() takes a table name as its first argument`);
  const table = await catalog.table(name);
  const target = qualified(table.schema, table.name);
  const path = `/${table.name}`;
  if (kind === 'insert') {
    const values = args[1] as Row | Row[];
    await checkColumns(catalog, table, values);
    return { table, stmt: { sql: insertSql(target, values), method: 'POST', path } };
  }
  if (kind === 'update') {
    const [, values, where] = args as [string, Row, Where];
    if (where === undefined) throw new TypeError('update() needs a where argument (use {} or "true" to update every visible row)');
    await checkColumns(catalog, table, values, where);
    return { table, stmt: { sql: updateSql(target, values, where), method: 'PATCH', path } };
  }
  const where = args[1] as Where;
  if (where === undefined) throw new TypeError('delete() needs a where argument (use {} or "true" to delete every visible row)');
  await checkColumns(catalog, table, where);
  return { table, stmt: { sql: deleteSql(target, where), method: 'DELETE', path } };
}

/** `db.as(requester)`: every call is its own transaction, rolled back. */
export class Session implements Writer<PendingRequest> {
  static {
    brand(this, 'Session');
  }
  readonly requester: Requester;
  #engine: Engine;

  constructor(engine: Engine, requester: Requester) {
    this.#engine = engine;
    this.requester = requester;
  }

  #pending(kind: RequestKind, args: unknown[]): PendingRequest {
    const engine = this.#engine;
    const requester = this.requester;
    return new PendingRequest(kind, kind === 'query' ? undefined : (args[0] as string), requesterLabel(requester), async () => {
      engine.assertOpen(`db.as(...).${kind}()`);
      assertNotInTransaction(engine, `db.as(...).${kind}()`);
      const { stmt, table } = await build(engine.catalog, kind, args);
      return {
        stmt,
        ...(table ? { table } : {}),
        run: async () => runAs(engine, await identify(engine, requester), stmt),
      };
    });
  }

  query(sql: string, params?: unknown[]): PendingRequest {
    return this.#pending('query', [sql, params]);
  }
  insert(table: string, values: Row | Row[]): PendingRequest {
    return this.#pending('insert', [table, values]);
  }
  update(table: string, values: Row, where: Where): PendingRequest {
    return this.#pending('update', [table, values, where]);
  }
  delete(table: string, where: Where): PendingRequest {
    return this.#pending('delete', [table, where]);
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

/** The `tx` of transaction(fn): statements run at once, in the open transaction. */
export class Transaction implements Writer<Promise<QueryResult>> {
  #catalog: Catalog;
  #conn: Connection;
  #identity: Identity | null;

  constructor(catalog: Catalog, conn: Connection, identity: Identity | null) {
    this.#catalog = catalog;
    this.#conn = conn;
    this.#identity = identity;
  }

  async #run(kind: RequestKind, args: unknown[]): Promise<QueryResult> {
    const { stmt } = await build(this.#catalog, kind, args);
    try {
      if (stmt.params?.length) {
        const r = await this.#conn.query(stmt.sql, stmt.params);
        return { rows: r.rows, rowCount: r.rowCount };
      }
      const results = await this.#conn.exec(stmt.sql);
      const r = results[results.length - 1]!;
      return { rows: r.rows, rowCount: r.rowCount };
    } catch (e) {
      throw toDataApiError(e, this.#identity?.anonymous ?? false);
    } finally {
      // raw SQL may be DDL: later lookups in this transaction must see its effect
      if (kind === 'query') this.#catalog.invalidate();
    }
  }

  query(sql: string, params?: unknown[]): Promise<QueryResult> {
    return this.#run('query', [sql, params]);
  }
  insert(table: string, values: Row | Row[]): Promise<QueryResult> {
    return this.#run('insert', [table, values]);
  }
  update(table: string, values: Row, where: Where): Promise<QueryResult> {
    return this.#run('update', [table, values, where]);
  }
  delete(table: string, where: Where): Promise<QueryResult> {
    return this.#run('delete', [table, where]);
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
 * db.reset()); on a `url` database used as it is, nothing commits.
 */
export class OwnerSession implements Writer<Promise<QueryResult>> {
  #engine: Engine;
  constructor(engine: Engine) {
    this.#engine = engine;
  }

  async #run(kind: RequestKind, args: unknown[]): Promise<QueryResult> {
    const engine = this.#engine;
    engine.assertOpen(`db.owner.${kind}()`);
    assertNotInTransaction(engine, `db.owner.${kind}()`);
    const { stmt } = await build(engine.catalog, kind, args);
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
          const results = await conn.exec(`BEGIN; ${stmt.sql}; SELECT txid_current_if_assigned() IS NOT NULL AS wrote; ${end}`);
          r = results[results.length - 3]!;
          wrote = Boolean(results[results.length - 2]!.rows[0]!.wrote);
        }
        if (wrote && engine.backend.commits) {
          engine.backend.markDirty();
          engine.catalog.invalidate();
        }
        return { rows: r.rows, rowCount: r.rowCount };
      } catch (e) {
        await rollbackQuietly(conn);
        if (postgresError(e)) throw toDataApiError(e, false);
        throw e;
      }
    });
  }

  query(sql: string, params?: unknown[]): Promise<QueryResult> {
    return this.#run('query', [sql, params]);
  }
  insert(table: string, values: Row | Row[]): Promise<QueryResult> {
    return this.#run('insert', [table, values]);
  }
  update(table: string, values: Row, where: Where): Promise<QueryResult> {
    return this.#run('update', [table, values, where]);
  }
  delete(table: string, where: Where): Promise<QueryResult> {
    return this.#run('delete', [table, where]);
  }

  /** Several statements with owner rights in one transaction, rolled back at the end. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#engine.assertOpen('db.owner.transaction()');
    assertNotInTransaction(this.#engine, 'db.owner.transaction()');
    return inTransaction(this.#engine, null, fn);
  }
}
