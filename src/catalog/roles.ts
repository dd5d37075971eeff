/** Roles and the facts the preflight needs. */
import type { Connection } from '../backends/types.js';
import { SYSTEM_SCHEMA_FILTER } from './tables.js';

export interface RoleInfo {
  name: string;
  superuser: boolean;
  bypassRls: boolean;
  canLogin: boolean;
}

export async function loadRoles(conn: Connection): Promise<Map<string, RoleInfo>> {
  const { rows } = await conn.query(`SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles ORDER BY rolname`);
  return new Map(
    rows.map((r) => [
      String(r.rolname),
      { name: String(r.rolname), superuser: Boolean(r.rolsuper), bypassRls: Boolean(r.rolbypassrls), canLogin: Boolean(r.rolcanlogin) },
    ]),
  );
}

/**
 * Tables whose RLS this role skips because it owns them, directly or through an inherited
 * membership, and they are not FORCEd. (Postgres checks ownership with inheritance.)
 */
export async function ownedUnforcedTables(conn: Connection, role: string): Promise<{ table: string; owner: string }[]> {
  const { rows } = await conn.query(
    `SELECT n.nspname || '.' || c.relname AS table, pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relforcerowsecurity AND ${SYSTEM_SCHEMA_FILTER}
        AND pg_has_role($1, c.relowner, 'USAGE')
      ORDER BY 1`,
    [role],
  );
  return rows.map((r) => ({ table: String(r.table), owner: String(r.owner) }));
}
