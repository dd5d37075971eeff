/**
 * The one place SQL text is assembled. Identifiers go through `ident()`; values through
 * `literal()`, which is node-postgres's own value preparation (`prepareValue`, the text a bind
 * parameter would carry) and literal escaping (`escapeLiteral`), so a batch of several
 * statements can travel in one round trip without building values by concatenation.
 */
import pg from 'pg';
import { createRequire } from 'node:module';

// prepareValue is what node-postgres does to a bind parameter; it is not in pg's typings.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(v: unknown): unknown };

/** Quotes an identifier: `posts` -> `"posts"`, `we"ird` -> `"we""ird"`. */
export function ident(name: string): string {
  return pg.escapeIdentifier(name);
}

/** `schema.name`, both parts quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** A value as an SQL literal, typed `unknown` like a text bind parameter, so Postgres casts it to the column's type. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  if (Buffer.isBuffer(prepared)) return pg.escapeLiteral(`\\x${prepared.toString('hex')}`);
  const text = String(prepared);
  // escapeLiteral copies character by character (~3 µs for a JWT's claims); for text without a
  // quote or a backslash its output is exactly the text between quotes.
  return NEEDS_ESCAPING.test(text) ? pg.escapeLiteral(text) : `'${text}'`;
}

const NEEDS_ESCAPING = /['\\]/;

/** Which rows: column equality (`{ user_id: 'a', id: [1, 2] }`; null means IS NULL) or a raw SQL predicate. */
export type Where = Record<string, unknown> | string;

/** A WHERE condition (without the keyword); `true` when `where` is empty. */
export function condition(where: Where | undefined): string {
  if (where === undefined) return 'true';
  if (typeof where === 'string') return where.trim() === '' ? 'true' : `(${where})`;
  const parts = Object.entries(where).map(([column, value]) => {
    if (value === null || value === undefined) return `${ident(column)} IS NULL`;
    if (Array.isArray(value)) {
      return value.length === 0 ? 'false' : `${ident(column)} IN (${value.map(literal).join(', ')})`;
    }
    return `${ident(column)} = ${literal(value)}`;
  });
  return parts.length ? parts.join(' AND ') : 'true';
}

export type Row = Record<string, unknown>;

/**
 * What a write returns, as PostgREST's `Prefer: return=...`: nothing (return=minimal, no
 * RETURNING clause, the default of a POST/PATCH/DELETE without Prefer), every column (`*`), or
 * these columns (return=representation with `select=`). RETURNING is not free: Postgres then
 * also demands the SELECT policies and column privileges for the rows written.
 */
export type Returning = boolean | string[] | undefined;

function returningClause(returning: Returning): string {
  if (!returning) return '';
  if (returning === true) return ' RETURNING *';
  if (returning.length === 0) throw new TypeError('"returning" must list at least one column (or be true for every column)');
  return ` RETURNING ${returning.map(ident).join(', ')}`;
}

/** INSERT of one row or several (columns are the union of the rows' keys). */
export function insertSql(table: string, values: Row | Row[], returning?: Returning): string {
  const rows = Array.isArray(values) ? values : [values];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (columns.length === 0) return `INSERT INTO ${table} DEFAULT VALUES${returningClause(returning)}`;
  const tuples = rows.map((r) => `(${columns.map((c) => (c in r ? literal(r[c]) : 'DEFAULT')).join(', ')})`);
  return `INSERT INTO ${table} (${columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')}${returningClause(returning)}`;
}

export function updateSql(table: string, values: Row, where: Where | undefined, returning?: Returning): string {
  const sets = Object.entries(values).map(([c, v]) => `${ident(c)} = ${literal(v)}`);
  if (sets.length === 0) throw new TypeError('update() needs at least one column to set');
  return `UPDATE ${table} SET ${sets.join(', ')} WHERE ${condition(where)}${returningClause(returning)}`;
}

export function deleteSql(table: string, where: Where | undefined, returning?: Returning): string {
  return `DELETE FROM ${table} WHERE ${condition(where)}${returningClause(returning)}`;
}

/** A policy as CREATE POLICY states it; roles as pg_policy lists them ('public' for PUBLIC). */
export interface PolicyShape {
  name: string;
  command: 'select' | 'insert' | 'update' | 'delete' | 'all';
  permissive: boolean;
  roles: string[];
  using: string | null;
  check: string | null;
}

/** `PUBLIC, "authenticated"`: a TO list. */
export function roleListSql(roles: string[]): string {
  return roles.map((r) => (r === 'public' ? 'PUBLIC' : ident(r))).join(', ');
}

/**
 * CREATE POLICY for `p` on `table` (already quoted). Only the clauses its command allows are
 * written: INSERT takes no USING, SELECT and DELETE no WITH CHECK, so a policy moved to another
 * command keeps the expression that fits (USING becomes WITH CHECK for INSERT, and back).
 */
export function createPolicySql(table: string, p: PolicyShape): string {
  const usingAllowed = p.command !== 'insert';
  const checkAllowed = p.command === 'insert' || p.command === 'update' || p.command === 'all';
  const using = usingAllowed ? (p.using ?? (checkAllowed ? null : p.check)) : null;
  const check = checkAllowed ? (p.check ?? (usingAllowed ? null : p.using)) : null;
  return (
    `CREATE POLICY ${ident(p.name)} ON ${table} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${p.command.toUpperCase()} TO ${roleListSql(p.roles)}` +
    (using !== null ? ` USING (${using})` : '') +
    (check !== null ? ` WITH CHECK (${check})` : '') +
    ';'
  );
}
