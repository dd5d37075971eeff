/** Policies of a table, as Postgres stores them (pg_policy), with roles and expressions. */
import type { Connection } from '../backends/types.js';
import { parseTextArray } from './tables.js';

export type PolicyCommand = 'select' | 'insert' | 'update' | 'delete' | 'all';

export interface PolicyInfo {
  name: string;
  command: PolicyCommand;
  permissive: boolean;
  /** role names; 'public' for PUBLIC */
  roles: string[];
  using: string | null;
  check: string | null;
}

const CMD: Record<string, PolicyCommand> = { r: 'select', a: 'insert', w: 'update', d: 'delete', '*': 'all' };

export async function loadPolicies(conn: Connection, tableOid: number): Promise<PolicyInfo[]> {
  const { rows } = await conn.query(
    `SELECT p.polname AS name, p.polcmd AS cmd, p.polpermissive AS permissive,
            ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r) AS roles,
            pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_policy p WHERE p.polrelid = $1 ORDER BY p.polname`,
    [tableOid],
  );
  return rows.map((r) => ({
    name: String(r.name),
    command: CMD[String(r.cmd)] ?? 'all',
    permissive: Boolean(r.permissive),
    roles: parseTextArray(r.roles),
    using: (r.using as string | null) ?? null,
    check: (r.check as string | null) ?? null,
  }));
}

/** Roles `role` has the privileges of (itself, inherited memberships); PUBLIC applies to all. */
export async function rolesOf(conn: Connection, role: string): Promise<Set<string>> {
  const { rows } = await conn.query(`SELECT rolname FROM pg_roles WHERE pg_has_role($1, oid, 'USAGE')`, [role]);
  return new Set(['public', ...rows.map((r) => String(r.rolname))]);
}

export function appliesTo(policy: PolicyInfo, roles: Set<string>, command: PolicyCommand): boolean {
  const cmdOk = policy.command === 'all' || command === 'all' || policy.command === command;
  return cmdOk && policy.roles.some((r) => roles.has(r));
}
