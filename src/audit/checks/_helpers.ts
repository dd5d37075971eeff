/**
 * What the checks share: names of objects as reports print them and as SQL needs them, who a
 * policy applies to, who reaches a table through the Data API, and the finding builder.
 */
import { ident, qualified, roleListSql } from '../../sql/index.js';
import { identityCallIn, ownerCondition as sqlOwnerCondition } from '../../sql/owner.js';
import { routines, type Routines } from '../expressions.js';
import type { FunctionFacts, PolicyCmd, PolicyFacts, Privilege, RelationFacts } from '../facts.js';
import type { Check, CheckContext, Finding, Level } from '../types.js';

export const CRUD: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
export const CMD_PRIV: Record<Exclude<PolicyCmd, 'all'>, Privilege> = { select: 'SELECT', insert: 'INSERT', update: 'UPDATE', delete: 'DELETE' };

// ---- helpers over the facts -------------------------------------------------------------

export const nameOf = (r: { schema: string; name: string }): string => `${r.schema}.${r.name}`;
export const sqlName = (r: { schema: string; name: string }): string => qualified(r.schema, r.name);
export const policyObject = (r: RelationFacts, p: PolicyFacts): string => `"${p.name}" on ${nameOf(r)}`;
export const isTable = (r: RelationFacts): boolean => r.kind === 'r' || r.kind === 'p';
export const fnObject = (f: FunctionFacts): string => `${f.schema}.${f.name}(${f.args})`;
export const fnSql = (f: FunctionFacts): string => `${qualified(f.schema, f.name)}(${f.args})`;

/** a, b and c */
export function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** `PUBLIC, "authenticated"`: a TO list (src/sql's, shared with the matchers and mutate). */
export const roleList = roleListSql;

/** API roles that exist, authenticated first. */
export function apiRoles(ctx: CheckContext): string[] {
  return ctx.facts.roles.filter((r) => r.exists).map((r) => r.name);
}

export function memberOf(ctx: CheckContext, role: string): string[] {
  return ctx.facts.roles.find((r) => r.name === role)?.memberOf ?? [];
}

/** Whether a policy applies to the role: named, through PUBLIC, or through a role it inherits. */
export function applies(ctx: CheckContext, p: PolicyFacts, role: string): boolean {
  let byRole = rolesSeen.get(ctx.facts);
  if (!byRole) rolesSeen.set(ctx.facts, (byRole = new Map()));
  let mine = byRole.get(role);
  if (!mine) byRole.set(role, (mine = new Set(['public', role, ...memberOf(ctx, role)])));
  return p.roles.some((r) => mine.has(r));
}

/** Per facts, per role: the names a policy's TO list may hold to apply to it. */
const rolesSeen = new WeakMap<object, Map<string, Set<string>>>();

export function covers(p: PolicyFacts, cmd: Exclude<PolicyCmd, 'all'>): boolean {
  return p.cmd === 'all' || p.cmd === cmd;
}

export function privs(r: RelationFacts, role: string): Privilege[] {
  return r.privileges[role] ?? [];
}

export function schemaUsage(ctx: CheckContext, schema: string, role: string): boolean {
  return ctx.facts.schemas.find((s) => s.name === schema)?.usage.includes(role) ?? false;
}

/** API roles that reach the relation through the Data API: USAGE on its schema and some CRUD privilege. */
export function exposedTo(ctx: CheckContext, r: RelationFacts): string[] {
  return apiRoles(ctx).filter((role) => schemaUsage(ctx, r.schema, role) && privs(r, role).some((p) => CRUD.includes(p)));
}

/** "authenticated (SELECT, INSERT) and anonymous (SELECT)" */
export function whoReaches(ctx: CheckContext, r: RelationFacts, roles: string[]): string {
  return list(roles.map((role) => `${role} (${privs(r, role).filter((p) => CRUD.includes(p)).join(', ')})`));
}

/** The owner condition for fix SQL (src/sql/owner.ts, shared with the matchers' messages). */
export function ownerCondition(r: RelationFacts): string | undefined {
  return sqlOwnerCondition(r.columns);
}

/** Columns whose default is the requester's id (`user_id text DEFAULT auth.user_id()`): each row records who inserted it. */
export function identityDefaults(r: RelationFacts): { column: string; call: string }[] {
  return r.columns.flatMap((c) => {
    const call = identityCallIn(c.default);
    return call ? [{ column: c.name, call }] : [];
  });
}

/** Columns that hold a user's rights: their role in an organisation, whether they are an administrator. */
export const ROLE_COLUMNS: ReadonlySet<string> = new Set(['role', 'roles', 'user_role', 'app_role', 'member_role', 'account_role', 'is_admin', 'admin', 'is_superuser', 'is_super_admin', 'is_staff', 'is_moderator', 'permissions', 'access_level']);

export function finding(check: Check, f: Omit<Finding, 'check' | 'level'> & { level?: Level }): Finding {
  const out: Finding = { check: check.id, level: f.level ?? check.level, object: f.object, message: f.message, fix: f.fix };
  if (f.table !== undefined) out.table = f.table;
  return out;
}

export const CMD_SQL = (c: PolicyCmd): string => c.toUpperCase();

export interface PolicyChanges {
  name?: string;
  restrictive?: boolean;
  using?: string | null;
  check?: string | null;
}

/** CREATE POLICY for a policy like `p`, with these changes. */
export function policyLikeSql(r: RelationFacts, p: PolicyFacts, changes: PolicyChanges): string {
  const using = changes.using === undefined ? p.using : changes.using;
  const check = changes.check === undefined ? p.check : changes.check;
  const parts = [`CREATE POLICY ${ident(changes.name ?? p.name)} ON ${sqlName(r)}`, `AS ${changes.restrictive ?? !p.permissive ? 'RESTRICTIVE' : 'PERMISSIVE'}`, `FOR ${CMD_SQL(p.cmd)}`, `TO ${roleList(p.roles)}`];
  if (using !== null && p.cmd !== 'insert') parts.push(`USING (${using})`);
  if (check !== null && p.cmd !== 'select' && p.cmd !== 'delete') parts.push(`WITH CHECK (${check})`);
  return `${parts.join(' ')};`;
}

/** The policy dropped and created again with these changes (ALTER POLICY cannot change its command or kind). */
export function createPolicySql(r: RelationFacts, p: PolicyFacts, changes: PolicyChanges): string {
  return `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};\n${policyLikeSql(r, p, changes)}`;
}

export function forEachPolicy(ctx: CheckContext, fn: (r: RelationFacts, p: PolicyFacts) => Finding[] | Finding | undefined): Finding[] {
  const out: Finding[] = [];
  for (const r of ctx.facts.relations) {
    if (!isTable(r)) continue;
    for (const p of r.policies) {
      const got = fn(r, p);
      if (Array.isArray(got)) out.push(...got);
      else if (got) out.push(got);
    }
  }
  return out;
}

/** API roles a policy applies to. */
export function policyApiRoles(ctx: CheckContext, p: PolicyFacts): string[] {
  return apiRoles(ctx).filter((role) => applies(ctx, p, role));
}

/** One finding per table that matches `where` and that some API role can reach (`who`). */
export function forEachExposedTable(
  ctx: CheckContext,
  check: Check,
  where: (r: RelationFacts) => boolean,
  say: (r: RelationFacts, who: string[]) => Pick<Finding, 'message' | 'fix'>,
): Finding[] {
  return ctx.facts.relations
    .filter((r) => isTable(r) && where(r))
    .flatMap((r) => {
      const who = exposedTo(ctx, r);
      return who.length ? [finding(check, { object: nameOf(r), table: nameOf(r), ...say(r, who) })] : [];
    });
}
/** The database's functions with their parsed bodies, to follow the helpers that policies call. */
export function routinesOf(ctx: CheckContext): Routines {
  return routines(ctx.facts);
}

/** Whether the role can send that command to the table through the Data API: schema USAGE and the privilege. */
export function reaches(ctx: CheckContext, r: RelationFacts, role: string, priv: Privilege): boolean {
  return schemaUsage(ctx, r.schema, role) && privs(r, role).includes(priv);
}

/** The table's policies for a command that apply to the role, permissive or restrictive. */
export function policiesFor(ctx: CheckContext, r: RelationFacts, cmd: Exclude<PolicyCmd, 'all'>, role: string, permissive: boolean): PolicyFacts[] {
  return r.policies.filter((p) => p.permissive === permissive && covers(p, cmd) && applies(ctx, p, role));
}

/** Whether a BEFORE ... FOR EACH ROW trigger on the table for that event reads or sets the column (it may pin it). */
export function triggerGuards(ctx: CheckContext, r: RelationFacts, event: 'insert' | 'update', column: string): boolean {
  const rs = routinesOf(ctx);
  return r.triggers.some((t) => {
    if (!t.beforeRow || !t.events.includes(event)) return false;
    const f = rs.resolve(t.function);
    return !!f && rs.referencesRowField(f, column);
  });
}

/**
 * SQL that takes a privilege on some columns away from a role and keeps it on the others: the
 * table-wide grant becomes a column list (a column grant is the way to keep a column out of reach).
 */
export function columnGrantFix(r: RelationFacts, role: string, priv: 'SELECT' | 'UPDATE', drop: string[]): string {
  const key = priv === 'SELECT' ? 'select' : 'update';
  const keep = r.columns.filter((c) => c[key].includes(role) && !drop.includes(c.name)).map((c) => ident(c.name));
  return [
    `REVOKE ${priv} ON ${sqlName(r)} FROM ${ident(role)};`,
    `REVOKE ${priv} (${drop.map(ident).join(', ')}) ON ${sqlName(r)} FROM ${ident(role)};`,
    ...(keep.length ? [`GRANT ${priv} (${keep.join(', ')}) ON ${sqlName(r)} TO ${ident(role)};`] : []),
  ].join('\n');
}
