/**
 * The access matrix: for each table and each requester (db.anonymous, then every db.user()),
 * how many rows its SELECT returns, its UPDATE and DELETE affect, and whether it may INSERT.
 *
 * - select / update / delete are measured: every probe runs as the requester in one batch
 *   (probe(): a savepoint per statement, all rolled back). UPDATE is a no-op `SET c = c` with
 *   no WHERE, as a PATCH on the whole table; because it reads c, SELECT policies apply to it
 *   too, as they do to any PATCH with a filter. DELETE is `DELETE FROM t`.
 * - A probe the privileges refuse (no USAGE on the schema, no privilege on the table or on any
 *   of its columns: a table granted column by column is counted, not denied) is 'denied';
 *   that is decided from the catalog, so it never aborts the batch. Any other error (a foreign
 *   key that restricts the delete, say) shows as 'error <SQLSTATE>'.
 * - insert is decided, not measured (which rows an INSERT may add is open-ended): true when the
 *   role has USAGE on the schema and INSERT on the table, and RLS is off or some permissive
 *   INSERT/ALL policy applies to the role with a WITH CHECK that is not the constant false.
 *   Restrictive policies are not weighed in.
 * Views and materialized views get select only (null for the writes).
 */
import { touch } from '../coverage.js';
import type { TableInfo } from '../catalog/index.js';
import { DataApiError } from '../errors.js';
import { assertNotInTransaction, probe, type Engine, type ProbeItem } from '../session/engine.js';
import { identify } from '../session/identity.js';
import { requesterLabel, type Requester } from '../session/requesters.js';
import { ident } from '../sql/index.js';

/** A row count, 'denied' (privileges refuse the statement), or 'error <SQLSTATE>'. */
export type MatrixCount = number | 'denied' | `error ${string}`;

export interface MatrixCell {
  select: MatrixCount;
  insert: boolean | null;
  update: MatrixCount | null;
  delete: MatrixCount | null;
}

export interface MatrixTable {
  /** rows in the table, counted with owner rights */
  rows: number;
  rls: boolean;
  /** requester label -> what it can do */
  access: Record<string, MatrixCell>;
}

export interface AccessMatrix {
  /** requester labels, in column order: anonymous first, then the users in creation order */
  requesters: string[];
  /** 'schema.table' -> its row */
  tables: Record<string, MatrixTable>;
}

export interface AccessMatrixOptions {
  /** tables to include ('posts' or 'schema.posts'); default every table and view outside the system schemas and auth */
  tables?: string[];
  /** requesters to try; default db.anonymous and every db.user() */
  requesters?: Requester[];
}

const PRIVS_SQL = `
SELECT c.oid::int AS oid, r.name AS role,
       has_schema_privilege(r.name, c.relnamespace, 'USAGE') AS usage,
       has_any_column_privilege(r.name, c.oid, 'SELECT') AS sel,
       has_table_privilege(r.name, c.oid, 'DELETE') AS del,
       (SELECT a.attname::text FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity <> 'a' AND a.attgenerated = ''
           AND has_column_privilege(r.name, c.oid, a.attnum, 'UPDATE') AND has_column_privilege(r.name, c.oid, a.attnum, 'SELECT')
         ORDER BY a.attnum LIMIT 1) AS upd_col,
       has_any_column_privilege(r.name, c.oid, 'INSERT')
         AND (NOT c.relrowsecurity OR EXISTS (
           SELECT 1 FROM pg_policy p
            WHERE p.polrelid = c.oid AND p.polpermissive AND p.polcmd IN ('a', '*')
              AND EXISTS (SELECT 1 FROM unnest(p.polroles) x WHERE CASE WHEN x = 0 THEN true ELSE pg_has_role(r.name, x, 'USAGE') END)
              AND coalesce(pg_get_expr(p.polwithcheck, p.polrelid), pg_get_expr(p.polqual, p.polrelid), 'true') <> 'false')) AS ins
  FROM pg_class c, unnest($2::text[]) AS r(name)
 WHERE c.oid = ANY($1::int[])`;

interface RolePrivs {
  usage: boolean;
  sel: boolean;
  del: boolean;
  updCol: string | null;
  ins: boolean;
}

function count(o: { ok: true; result: { rows: Record<string, unknown>[]; rowCount: number } } | { ok: false; error: DataApiError }, isSelect: boolean): MatrixCount {
  if (!o.ok) return o.error.code === '42501' || o.error.status === 401 ? 'denied' : `error ${o.error.code}`;
  return isSelect ? Number(o.result.rows[0]?.n ?? 0) : o.result.rowCount;
}

export async function accessMatrix(engine: Engine, options: AccessMatrixOptions = {}): Promise<AccessMatrix> {
  engine.assertOpen('db.accessMatrix()');
  touch('all', 'db.accessMatrix()');
  assertNotInTransaction(engine, 'db.accessMatrix()');
  if (options === null || typeof options !== 'object') throw new TypeError('accessMatrix() takes an options object ({ tables, requesters })');
  if (options.tables !== undefined && (!Array.isArray(options.tables) || !options.tables.every((t) => typeof t === 'string' && t !== ''))) {
    throw new TypeError('"tables" option of accessMatrix() must be a list of table names');
  }
  if (options.requesters !== undefined && !Array.isArray(options.requesters)) throw new TypeError('"requesters" option of accessMatrix() must be a list of requesters');

  const tables: TableInfo[] = options.tables
    ? await Promise.all(options.tables.map((t) => engine.catalog.table(t)))
    : (await engine.catalog.tables()).filter((t) => t.kind !== 'f' && t.schema !== 'auth');
  const known = engine.knownRequesters();
  const requesters = options.requesters ?? [...known.filter((r) => typeof r !== 'string' && r.kind === 'anonymous'), ...known.filter((r) => typeof r === 'string' || r.kind !== 'anonymous')];
  const labels = requesters.map(requesterLabel);
  const matrix: AccessMatrix = { requesters: labels, tables: {} };
  if (!tables.length) return matrix;

  // The role each requester runs as; a requester the Data API turns away gets 'denied' everywhere.
  const roles = await Promise.all(
    requesters.map((r) =>
      identify(engine, r).then(
        (id) => id.role as string | null,
        (e: unknown) => {
          if (e instanceof DataApiError) return null;
          throw e;
        },
      ),
    ),
  );
  const roleNames = [...new Set(roles.filter((r): r is string => r !== null))];

  const [totals, privRows] = await Promise.all([
    engine.backend.query(`SELECT ${tables.map((t, i) => `(SELECT count(*) FROM ${ident(t.schema)}.${ident(t.name)})::int AS ${ident(`t${i}`)}`).join(', ')}`),
    roleNames.length ? engine.backend.query(PRIVS_SQL, [tables.map((t) => t.oid), roleNames]) : Promise.resolve({ rows: [] }),
  ]);
  const privs = new Map<string, RolePrivs>();
  for (const r of privRows.rows) {
    privs.set(`${String(r.oid)}:${String(r.role)}`, { usage: Boolean(r.usage), sel: Boolean(r.sel), del: Boolean(r.del), updCol: (r.upd_col as string | null) ?? null, ins: Boolean(r.ins) });
  }

  const items: ProbeItem[] = [];
  const slots: { table: string; label: string; what: 'select' | 'update' | 'delete'; item: number }[] = [];
  tables.forEach((t, ti) => {
    const name = `${t.schema}.${t.name}`;
    const from = `${ident(t.schema)}.${ident(t.name)}`;
    const writable = t.kind === 'r' || t.kind === 'p';
    const access: Record<string, MatrixCell> = {};
    requesters.forEach((requester, ri) => {
      const label = labels[ri]!;
      const role = roles[ri];
      const p = role ? privs.get(`${t.oid}:${role}`) : undefined;
      const cell: MatrixCell = { select: 'denied', insert: writable ? false : null, update: writable ? 'denied' : null, delete: writable ? 'denied' : null };
      access[label] = cell;
      if (!p || !p.usage) return;
      const path = `/${t.name}`;
      const add = (what: 'select' | 'update' | 'delete', sql: string, method: 'GET' | 'PATCH' | 'DELETE') => {
        slots.push({ table: name, label, what, item: items.length });
        items.push({ requester, stmt: { sql, method, path } });
      };
      if (p.sel) add('select', `SELECT count(*)::int AS n FROM ${from}`, 'GET');
      if (writable) {
        cell.insert = p.ins;
        if (p.updCol) add('update', `UPDATE ${from} SET ${ident(p.updCol)} = ${ident(p.updCol)}`, 'PATCH');
        if (p.del) add('delete', `DELETE FROM ${from}`, 'DELETE');
      }
    });
    matrix.tables[name] = { rows: Number(totals.rows[0]![`t${ti}`]), rls: t.rlsEnabled, access };
  });

  const outcomes = items.length ? await probe(engine, items) : [];
  for (const s of slots) {
    const cell = matrix.tables[s.table]!.access[s.label]!;
    cell[s.what] = count(outcomes[s.item]!, s.what === 'select');
  }
  return matrix;
}

export { formatAccessMatrix } from './format.js';
