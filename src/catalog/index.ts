/**
 * Read-only catalog facts, cached per database. The cache is dropped by reset() and by any
 * owner statement that wrote something (DDL included), so facts never outlive a schema change.
 */
import type { Connection } from '../backends/types.js';
import { RlsBypassError, UnknownColumnError, UnknownRoleError, UnknownTableError } from '../errors.js';
import { touch } from '../coverage.js';
import { closeMatches } from '../suggest.js';
import { loadRoles, ownedUnforcedTables, type RoleInfo } from './roles.js';
import { loadColumns, loadTables, type ColumnInfo, type TableInfo } from './tables.js';
import { resolveFunction, resolveSchema, resolveSequence, type ObjectInfo } from './objects.js';
import { loadPolicies, rolesOf, type PolicyInfo } from './policies.js';

export type { ColumnInfo, TableInfo } from './tables.js';
export type { RoleInfo } from './roles.js';
export type { ObjectInfo } from './objects.js';
export type { PolicyInfo, PolicyCommand } from './policies.js';
export { appliesTo } from './policies.js';

export class Catalog {
  #conn: Connection;
  #memo = new Map<string, Promise<unknown>>();
  #parent: Catalog | undefined;

  constructor(conn: Connection, parent?: Catalog) {
    this.#conn = conn;
    this.#parent = parent;
  }

  /**
   * A catalog that loads on `conn` (an open transaction holding the backend), so lookups made
   * inside transaction(fn) don't wait for the connection they already hold. With `inherit`, facts
   * already cached by this catalog are reused; without it (the owner may run DDL), nothing is.
   */
  within(conn: Connection, { inherit }: { inherit: boolean }): Catalog {
    return new Catalog(conn, inherit ? this : undefined);
  }

  invalidate(): void {
    this.#memo.clear();
  }

  /** Caches `load()` under `key` until invalidate(); a failed load is not cached. */
  memo<T>(key: string, load: (conn: Connection) => Promise<T>): Promise<T> {
    let p = (this.#memo.get(key) ?? (this.#parent ? this.#parent.#memo.get(key) : undefined)) as Promise<T> | undefined;
    if (!p) {
      p = load(this.#conn);
      this.#memo.set(key, p);
      p.catch(() => this.#memo.delete(key));
    }
    return p;
  }

  tables(): Promise<TableInfo[]> {
    return this.memo('tables', loadTables);
  }

  roles(): Promise<Map<string, RoleInfo>> {
    return this.memo('roles', loadRoles);
  }

  /** 'posts' (public first, then a unique match in any schema) or 'schema.posts'. */
  async table(name: string): Promise<TableInfo> {
    const all = await this.tables();
    const dot = splitQualified(name);
    const found = dot
      ? all.find((t) => t.schema === dot[0] && t.name === dot[1])
      : (all.find((t) => t.schema === 'public' && t.name === name) ?? unique(all.filter((t) => t.name === name)));
    if (found) {
      touch('table', found.qualifiedName);
      return found;
    }
    throw new UnknownTableError(name, closeMatches(name, all.map((t) => (t.schema === 'public' ? t.name : t.qualifiedName))));
  }

  /**
   * The tables of a schema (plain and partitioned, partitions included; not views, materialized
   * or foreign tables, which have no row level security of their own), in name order. An unknown
   * schema rejects with close matches. Each table counts as used by the running test.
   */
  async tablesOf(schema: string): Promise<TableInfo[]> {
    await this.schema(schema);
    const found = (await this.tables()).filter((t) => t.schema === schema && (t.kind === 'r' || t.kind === 'p'));
    for (const t of found) touch('table', t.qualifiedName);
    return found;
  }

  schema(name: string): Promise<ObjectInfo> {
    return touched('schema', (o) => o.name, this.memo(`schema:${name}`, (c) => resolveSchema(c, name)));
  }

  sequence(name: string): Promise<ObjectInfo> {
    return touched('sequence', (o) => o.name, this.memo(`sequence:${name}`, (c) => resolveSequence(c, name)));
  }

  function(signature: string): Promise<ObjectInfo> {
    // coverage names functions without their arguments: public.get_order(bigint) -> public.get_order
    return touched('function', (o) => `${o.schema}.${o.name.replace(/\(.*$/s, '').split('.').pop()!.replace(/"/g, '')}`, this.memo(`function:${signature}`, (c) => resolveFunction(c, signature)));
  }

  /** The table's columns with type, default and NOT NULL. */
  columnsOf(table: TableInfo): Promise<ColumnInfo[]> {
    return this.memo(`columns:${table.oid}`, (c) => loadColumns(c, table.oid));
  }

  policies(table: TableInfo): Promise<PolicyInfo[]> {
    return this.memo(`policies:${table.oid}`, (c) => loadPolicies(c, table.oid));
  }

  /** The roles whose policies and grants apply to `role`: itself, inherited memberships, public. */
  rolesOf(role: string): Promise<Set<string>> {
    touch('role', role);
    return this.memo(`rolesOf:${role}`, (c) => rolesOf(c, role));
  }

  async column(table: TableInfo, column: string): Promise<string> {
    if (table.columns.includes(column)) return column;
    throw new UnknownColumnError(table.qualifiedName, column, closeMatches(column, table.columns));
  }

  async role(name: string): Promise<RoleInfo> {
    const roles = await this.roles();
    const r = roles.get(name);
    if (r) {
      touch('role', name);
      return r;
    }
    throw new UnknownRoleError(name, closeMatches(name, [...roles.keys()].filter((n) => !n.startsWith('pg_'))));
  }

  /**
   * Refuses a request role that would bypass RLS: every test would pass against it.
   * Cached per role until the catalog changes.
   */
  preflight(role: string): Promise<void> {
    return this.memo(`preflight:${role}`, async (conn) => {
      const info = await this.role(role);
      if (info.superuser || info.bypassRls) {
        const attr = info.superuser ? 'SUPERUSER' : 'BYPASSRLS';
        throw new RlsBypassError(
          `requests would run as role "${role}", which is ${info.superuser ? 'a superuser' : 'marked BYPASSRLS'}: row level security does not apply to it, so every RLS test would pass`,
          {
            role,
            reason: info.superuser ? 'superuser' : 'bypassrls',
            hint: `run requests as a role without ${attr} (the Data API uses "authenticated" and "anonymous"), or ALTER ROLE "${role}" NO${attr};`,
          },
        );
      }
      const owned = await ownedUnforcedTables(conn, role);
      const first = owned[0];
      if (first) {
        const via = first.owner === role ? 'owns' : `is a member of "${first.owner}", which owns`;
        throw new RlsBypassError(
          `requests would run as role "${role}", which ${via} table ${first.table} without FORCE ROW LEVEL SECURITY: the owner skips its policies, so every RLS test on it would pass` +
            (owned.length > 1 ? ` (also: ${owned.slice(1).map((o) => o.table).join(', ')})` : ''),
          {
            role,
            reason: 'owner',
            table: first.table,
            hint: `give the table to another role (ALTER TABLE ${first.table} OWNER TO <owner role>;), or ALTER TABLE ${first.table} FORCE ROW LEVEL SECURITY;` +
              (first.owner === role ? '' : ` or REVOKE "${first.owner}" FROM "${role}";`),
          },
        );
      }
    });
  }
}

/** Records the resolved object as used by the running test (see src/coverage.ts). */
async function touched<T>(kind: 'schema' | 'sequence' | 'function', nameOf: (o: T) => string, p: Promise<T>): Promise<T> {
  const o = await p;
  touch(kind, nameOf(o));
  return o;
}

function splitQualified(name: string): [string, string] | undefined {
  const i = name.indexOf('.');
  return i > 0 ? [name.slice(0, i), name.slice(i + 1)] : undefined;
}

function unique<T>(list: T[]): T | undefined {
  return list.length === 1 ? list[0] : undefined;
}
