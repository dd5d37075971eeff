/** Resolving schemas, sequences and functions by name, with close matches when unknown. */
import type { Connection } from '../backends/types.js';
import { UnknownObjectError } from '../errors.js';
import { closeMatches } from '../suggest.js';
import { SYSTEM_SCHEMA_FILTER } from './tables.js';

export interface ObjectInfo {
  oid: number;
  /** as Postgres prints it: public.orders_id_seq, public.get_order(bigint), auth */
  name: string;
  schema: string;
}

export async function resolveSchema(conn: Connection, name: string): Promise<ObjectInfo> {
  const { rows } = await conn.query(`SELECT oid::int AS oid, nspname FROM pg_namespace n WHERE ${SYSTEM_SCHEMA_FILTER} OR nspname = $1`, [name]);
  const hit = rows.find((r) => r.nspname === name);
  if (hit) return { oid: Number(hit.oid), name, schema: name };
  throw new UnknownObjectError('schema', name, closeMatches(name, rows.map((r) => String(r.nspname))), `create it in a migration (CREATE SCHEMA "${name}";) or check the name`);
}

export async function resolveSequence(conn: Connection, name: string): Promise<ObjectInfo> {
  const { rows } = await conn.query(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND ${SYSTEM_SCHEMA_FILTER}`,
  );
  const [schema, bare] = name.includes('.') ? [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)] : [undefined, name];
  const matches = rows.filter((r) => r.name === bare && (schema === undefined || r.schema === schema));
  const hit = schema === undefined ? (matches.find((r) => r.schema === 'public') ?? (matches.length === 1 ? matches[0] : undefined)) : matches[0];
  if (hit) return { oid: Number(hit.oid), name: `${String(hit.schema)}.${String(hit.name)}`, schema: String(hit.schema) };
  throw new UnknownObjectError('sequence', name, closeMatches(name, rows.map((r) => `${String(r.schema)}.${String(r.name)}`)));
}

const SIGNATURE = /^\s*(?:"[^"]+"|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))?\s*\((.*)\)\s*$/s;

export async function resolveFunction(conn: Connection, signature: string): Promise<ObjectInfo> {
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
    throw new TypeError(`db.function() takes a signature like 'public.get_order(bigint)' (name and argument types in parentheses; '()' for none), got ${JSON.stringify(signature)}`);
  }
  // to_regprocedure gives NULL for an unknown function; a malformed type name raises, which we report the same way.
  const found = await conn
    .query(`SELECT p.oid::int AS oid, p.oid::regprocedure::text AS name, n.nspname AS schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = to_regprocedure($1)`, [signature])
    .then((r) => r.rows[0])
    .catch(() => undefined);
  if (found) return { oid: Number(found.oid), name: String(found.name), schema: String(found.schema) };
  // Close matches by name, whatever the arguments: each close name with every signature it has.
  const wanted = signature.slice(0, signature.indexOf('(')).trim().replace(/"/g, '');
  const { rows } = await conn.query(
    `SELECT p.oid::regprocedure::text AS signature, n.nspname || '.' || p.proname AS name
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${SYSTEM_SCHEMA_FILTER} ORDER BY 1`,
  );
  const close = closeMatches(wanted, rows.map((r) => String(r.name)));
  const candidates = close.flatMap((name) => rows.filter((r) => r.name === name).map((r) => String(r.signature))).slice(0, 5);
  throw new UnknownObjectError('function', signature, candidates, 'give the argument types exactly as Postgres lists them (\\df in psql)');
}
