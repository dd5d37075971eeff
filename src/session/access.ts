/**
 * Who sees and who writes a set of rows: the facts behind the visibility and write matchers.
 * Every requester's probe goes into one batch (see probe()); explanations (which rows, which
 * policy admitted them) are gathered only when a matcher fails.
 */
import type { PolicyInfo, TableInfo } from '../catalog/index.js';
import { appliesTo } from '../catalog/index.js';
import { InvalidSubjectError, RequestFailedError } from '../errors.js';
import { ENGINE, type RowSet } from '../refs.js';
import { condition, ident, literal, qualified } from '../sql/index.js';
import { probe, runPair, type Engine, type Outcome } from './engine.js';
import { DataApiError } from '../errors.js';
import { identify, type Identity } from './identity.js';
import { requesterLabel, type Requester } from './requesters.js';

export interface RowTarget {
  engine: Engine;
  table: TableInfo;
  /** FROM target, quoted */
  from: string;
  /** WHERE condition */
  cond: string;
  /** the columns the condition reads: known for a where object, undefined for an SQL predicate */
  whereColumns: string[] | undefined;
  columns: string[] | undefined;
  /** how many rows the set has (counted with owner rights) */
  size: number;
  /** how rows are named in messages: the primary key, else every column */
  key: string[];
  description: string;
}

/** The row set's table, columns and condition, checked against the catalog (no query of the rows). */
export async function describeRows(rows: RowSet): Promise<Omit<RowTarget, 'size'>> {
  const engine = rows.table[ENGINE];
  const table = await rows.table.info();
  if (typeof rows.where === 'object') for (const c of Object.keys(rows.where)) await engine.catalog.column(table, c);
  for (const c of rows.columns ?? []) await engine.catalog.column(table, c);
  const from = qualified(table.schema, table.name);
  const cond = condition(rows.where);
  const whereColumns = typeof rows.where === 'object' ? Object.keys(rows.where) : undefined;
  return { engine, table, from, cond, whereColumns, columns: rows.columns, key: table.primaryKey.length ? table.primaryKey : table.columns, description: rows.toString() };
}

export async function resolveRows(rows: RowSet): Promise<RowTarget> {
  const d = await describeRows(rows);
  const { engine, from, cond } = d;
  const { rows: counted } = await engine.backend.query(`SELECT count(*)::int AS n FROM ${from} WHERE ${cond}`);
  const size = Number(counted[0]!.n);
  if (size === 0) {
    throw new InvalidSubjectError(`${rows.toString()} matches no row (counted with owner rights): a visibility or write check over no rows proves nothing`, {
      hint: engine.backend.commits
        ? 'seed the rows first (createTestDatabase({ seed }) or db.owner.insert), or fix the where condition'
        : 'this database is used as it is (existing: true): nothing written in a test is kept, so the rows must be in it already; or fix the where condition',
    });
  }
  return { ...d, size };
}

export interface SeenRows {
  /** rows of the set within the scope, by key (owner rights) */
  expected: Record<string, unknown>[];
  /** rows the requester's SELECT returns within the scope, by key */
  seen: Record<string, unknown>[];
  refused?: Access['refused'];
}

/**
 * What one requester sees within a scope, next to what the row set holds there: the owner's
 * query and the requester's go in one round trip.
 */
export async function seenWithin(target: Omit<RowTarget, 'size'>, requester: Requester, within: string): Promise<SeenRows> {
  const keys = target.key.map(ident).join(', ');
  const owner = `SELECT ${keys} FROM ${target.from} WHERE ${within} AND ${target.cond} ORDER BY ${keys}`;
  const mine = `SELECT ${keys} FROM ${target.from} WHERE ${within} ORDER BY ${keys}`;
  const identity = await identify(target.engine, requester);
  const pick = (rs: Record<string, unknown>[]) => rs.map((r) => Object.fromEntries(target.key.map((k) => [k, r[k]])));
  try {
    const [expected, seen] = await runPair(target.engine, identity, owner, { sql: mine, method: 'GET', path: `/${target.table.name}` });
    return { expected: pick(expected.rows), seen: pick(seen.rows) };
  } catch (e) {
    if (!(e instanceof DataApiError)) throw e;
    if (e.code !== '42501') throw new RequestFailedError(`reading ${target.description} as ${requesterLabel(requester)}`, e);
    const { rows: expected } = await target.engine.backend.query(owner);
    return { expected: pick(expected), seen: [], refused: { by: 'privileges', message: e.message } };
  }
}

/** What one requester did to the row set. */
export interface Access {
  requester: Requester;
  label: string;
  /** rows seen or written (0 when refused) */
  count: number;
  /** set when Postgres refused with 42501: privileges (no GRANT) or policies (WITH CHECK) */
  refused?: { by: 'privileges' | 'policies' | 'token'; message: string } | undefined;
}

function refusal(o: Outcome): Access['refused'] {
  if (o.ok) return undefined;
  // A token the Data API rejects never reaches Postgres: that requester gets nothing.
  if (o.error.status === 401 && o.error.code.startsWith('PGRST')) return { by: 'token', message: o.error.message };
  if (o.error.code !== '42501') return undefined;
  return { by: /row-level security/i.test(o.error.message) ? 'policies' : 'privileges', message: o.error.message };
}

function toAccess(requester: Requester, o: Outcome, what: string): Access {
  const refused = refusal(o);
  // any other error: the probe proves nothing either way, so the matcher passes neither way
  if (!o.ok && !refused) throw new RequestFailedError(`${what} as ${requesterLabel(requester)}`, o.error);
  return { requester, label: requesterLabel(requester), count: o.ok ? Number(o.result.rows[0]?.n ?? o.result.rowCount) : 0, refused };
}

/** A privilege a probe needs: on these columns (all of them), or, with no columns, on the table or any column of it. */
interface Need {
  privilege: 'SELECT' | 'UPDATE' | 'DELETE';
  columns: string[];
}

/**
 * The 42501 Postgres would raise for the probe, when the catalog already tells: no USAGE on the
 * schema, or a privilege the statement surely needs is missing. Column privileges count (a table
 * granted as `GRANT SELECT (id, name), UPDATE (name)` is not refused), and a need that cannot be
 * told from here (the columns an SQL predicate reads) is left to Postgres. Cached per table,
 * role and needs.
 */
function privilegeCheck(target: Omit<RowTarget, 'size'>, needs: Need[]) {
  const t = target.table;
  const noun = t.kind === 'v' ? 'view' : t.kind === 'm' ? 'materialized view' : 'table';
  return async (identity: Identity): Promise<DataApiError | undefined> => {
    const key = `privcheck:${t.oid}:${identity.role}:${JSON.stringify(needs)}`;
    const missing = await target.engine.catalog.memo(key, async (conn) => {
      const { rows } = await conn.query(
        `SELECT has_schema_privilege($1, $2, 'USAGE') AS schema_ok,
                coalesce(bool_and(CASE WHEN cardinality(n.cols) > 0
                                       THEN (SELECT bool_and(has_column_privilege($1, $3::oid, c, n.priv)) FROM unnest(n.cols) c)
                                       WHEN n.priv = 'DELETE' THEN has_table_privilege($1, $3::oid, n.priv)
                                       ELSE has_any_column_privilege($1, $3::oid, n.priv) END), true) AS table_ok
           FROM jsonb_to_recordset($4::jsonb) AS n(priv text, cols text[])`,
        [identity.role, t.schema, t.oid, JSON.stringify(needs.map((n) => ({ priv: n.privilege, cols: n.columns })))],
      );
      const r = rows[0]!;
      return !r.schema_ok ? `permission denied for schema ${t.schema}` : !r.table_ok ? `permission denied for ${noun} ${t.name}` : null;
    });
    return missing ? new DataApiError({ status: identity.anonymous ? 401 : 403, code: '42501', message: missing }) : undefined;
  };
}

/** SELECT on the columns the row set's condition reads, when they are known. */
function whereNeed(target: Omit<RowTarget, 'size'>): Need[] {
  return target.whereColumns?.length ? [{ privilege: 'SELECT', columns: target.whereColumns }] : [];
}

/** How many of the rows each requester's SELECT returns. */
export async function visibility(target: RowTarget, requesters: Requester[]): Promise<Access[]> {
  const select = target.columns ? target.columns.map(ident).join(', ') : '1';
  const sql = `SELECT count(*)::int AS n FROM (SELECT ${select} FROM ${target.from} WHERE ${target.cond}) v`;
  const outcomes = await probe(
    target.engine,
    requesters.map((requester) => ({ requester, stmt: { sql, method: 'GET' as const, path: `/${target.table.name}` } })),
    // count(*) over the set needs SELECT on the columns read, or on some column when none is named.
    { refuse: privilegeCheck(target, [{ privilege: 'SELECT', columns: [...new Set([...(target.columns ?? []), ...(target.whereColumns ?? [])])] }]) },
  );
  return outcomes.map((o, i) => toAccess(requesters[i]!, o, 'reading ' + target.description));
}

export type WriteCommand = 'update' | 'delete';

/**
 * A column for the no-op `SET c = c` of an UPDATE probe: one the role may UPDATE, and SELECT too
 * (the assignment reads it), if there is one; column privileges count.
 */
async function updatableColumn(target: RowTarget, role: string): Promise<string> {
  return target.engine.catalog.memo(`updatable:${target.table.oid}:${role}`, async (conn) => {
    const { rows } = await conn.query(
      `SELECT a.attname FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attidentity <> 'a' AND a.attgenerated = ''
        ORDER BY has_column_privilege($2, $1::oid, a.attname::text, 'UPDATE') DESC,
                 has_column_privilege($2, $1::oid, a.attname::text, 'SELECT') DESC, a.attnum LIMIT 1`,
      [target.table.oid, role],
    );
    return String(rows[0]?.attname ?? target.table.columns[0]);
  });
}

/**
 * How many of the rows each requester's UPDATE (a no-op assignment) or DELETE affects, each
 * rolled back. No RETURNING (PostgREST's return=minimal): RETURNING would also demand the
 * SELECT policies, which is a different question.
 */
export async function writability(target: RowTarget, requesters: Requester[], command: WriteCommand): Promise<Access[]> {
  const path = `/${target.table.name}`;
  const items = await Promise.all(
    requesters.map(async (requester) => {
      if (command === 'delete') {
        return { requester, stmt: { sql: `DELETE FROM ${target.from} WHERE ${target.cond}`, method: 'DELETE' as const, path }, needs: [{ privilege: 'DELETE' as const, columns: [] }, ...whereNeed(target)] };
      }
      const role = await identify(target.engine, requester).then((id) => id.role, () => target.engine.preset.authenticatedRole);
      const column = await updatableColumn(target, role);
      const col = ident(column);
      return {
        requester,
        stmt: { sql: `UPDATE ${target.from} SET ${col} = ${col} WHERE ${target.cond}`, method: 'PATCH' as const, path },
        needs: [{ privilege: 'UPDATE' as const, columns: [column] }, { privilege: 'SELECT' as const, columns: [column, ...(target.whereColumns ?? [])] }],
      };
    }),
  );
  // The needs differ per role only by the column picked (privilegeCheck caches by needs).
  const outcomes = await probe(target.engine, items, { refuse: (identity, item) => privilegeCheck(target, (item as (typeof items)[number]).needs)(identity) });
  return outcomes.map((o, i) => toAccess(requesters[i]!, o, `${command === 'update' ? 'updating' : 'deleting'} ${target.description}`));
}

/**
 * On how many of the rows `requester` can hand the row to `newOwner` (UPDATE of the owner
 * column), rolled back. Refused (42501: WITH CHECK, no privilege) is 0; any other error (a
 * foreign key, a unique key, a cast) proves nothing and rejects with RequestFailedError.
 */
export async function canReassign(target: RowTarget, requester: Requester, ownerColumn: string, newOwner: unknown): Promise<number> {
  await target.engine.catalog.column(target.table, ownerColumn);
  const sql = `UPDATE ${target.from} SET ${ident(ownerColumn)} = ${literal(newOwner)} WHERE ${target.cond}`;
  const [o] = await probe(target.engine, [{ requester, stmt: { sql, method: 'PATCH', path: `/${target.table.name}` } }]);
  if (o!.ok) return o!.result.rowCount;
  if (o!.error.code === '42501') return 0;
  throw new RequestFailedError(`handing ${target.description} to ${literal(newOwner)} (${ownerColumn}) as ${requesterLabel(requester)}`, o!.error);
}

export interface Explained {
  /** the rows this requester sees (or writes), by key, at most 10 */
  rows: Record<string, unknown>[];
  /** for each row, the permissive policies whose USING admitted it */
  admittedBy: string[][];
  policies: PolicyInfo[];
}

/** Which rows a requester reaches and through which policies (run only for failure messages). */
export async function explain(target: RowTarget, requester: Requester, command: 'select' | 'update' | 'delete'): Promise<Explained> {
  const engine = target.engine;
  const identity = await identify(engine, requester);
  const roles = await engine.catalog.rolesOf(identity.role);
  const all = await engine.catalog.policies(target.table);
  const policies = all.filter((p) => p.permissive && p.using !== null && appliesTo(p, roles, command));
  const keys = target.key.map(ident).join(', ');
  const checks = policies.map((p, i) => `(${p.using}) AS ${ident(`__p${i}`)}`);
  const sql = `SELECT ${[keys, ...checks].join(', ')} FROM ${target.from} WHERE ${target.cond} ORDER BY ${keys} LIMIT 10`;
  const [o] = await probe(engine, [{ requester, stmt: { sql, method: 'GET', path: `/${target.table.name}` } }]);
  if (!o!.ok) return { rows: [], admittedBy: [], policies: all };
  const rows = o!.result.rows.map((r) => Object.fromEntries(target.key.map((k) => [k, r[k]])));
  const admittedBy = o!.result.rows.map((r) => policies.filter((_, i) => r[`__p${i}`] === true).map((p) => p.name));
  return { rows, admittedBy, policies: all };
}
