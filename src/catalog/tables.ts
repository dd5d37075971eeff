/** Tables (and views) of the user's schemas: one query, cached by the Catalog. */
import type { Connection } from '../backends/types.js';

export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  /** "public.posts" (unquoted, for messages) */
  qualifiedName: string;
  /** r table, p partitioned, v view, m materialized view, f foreign */
  kind: 'r' | 'p' | 'v' | 'm' | 'f';
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  columns: string[];
  /** for a partition: its parent */
  parent: string | null;
  /** primary key columns, in key order (empty when there is none) */
  primaryKey: string[];
}

export const SYSTEM_SCHEMA_FILTER = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

export const TABLES_SQL = `
SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
       coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
                 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}') AS columns,
       (SELECT pn.nspname || '.' || p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition LIMIT 1) AS parent,
       coalesce((SELECT array_agg(a.attname::text ORDER BY array_position(x.indkey::int2[], a.attnum))
                   FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey::int2[])
                  WHERE x.indrelid = c.oid AND x.indisprimary), '{}') AS pk
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ${SYSTEM_SCHEMA_FILTER}
ORDER BY n.nspname, c.relname`;

/** A column with what fix SQL and example values need. */
export interface ColumnInfo {
  name: string;
  /** format_type(): 'uuid', 'text', 'timestamp with time zone', ... */
  type: string;
  default: string | null;
  notNull: boolean;
  /** an identity or generated column: Postgres fills it */
  generated: boolean;
}

export async function loadColumns(conn: Connection, tableOid: number): Promise<ColumnInfo[]> {
  const { rows } = await conn.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS "default",
            a.attnotnull AS not_null, (a.attidentity <> '' OR a.attgenerated <> '') AS generated
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [tableOid],
  );
  return rows.map((r) => ({ name: String(r.name), type: String(r.type), default: (r.default as string | null) ?? null, notNull: Boolean(r.not_null), generated: Boolean(r.generated) }));
}

export async function loadTables(conn: Connection): Promise<TableInfo[]> {
  const { rows } = await conn.query(TABLES_SQL);
  return rows.map((r) => ({
    oid: Number(r.oid),
    schema: String(r.schema),
    name: String(r.name),
    qualifiedName: `${String(r.schema)}.${String(r.name)}`,
    kind: r.kind as TableInfo['kind'],
    owner: String(r.owner),
    rlsEnabled: Boolean(r.rls),
    rlsForced: Boolean(r.forced),
    columns: parseTextArray(r.columns),
    parent: (r.parent as string | null) ?? null,
    primaryKey: parseTextArray(r.pk),
  }));
}

/** PGlite and pg both parse text[]; name[] may come back as the literal '{a,b}'. */
export function parseTextArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string' && v.startsWith('{')) {
    const inner = v.slice(1, -1);
    if (!inner) return [];
    return inner.split(',').map((s) => s.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1'));
  }
  return [];
}
