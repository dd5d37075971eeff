import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asTable, roleArgument } from './_subjects.js';
import { appliesTo, type PolicyCommand, type PolicyInfo, type TableInfo } from '../src/internal.js';
import { ENGINE } from '../src/internal.js';
import { ident, qualified } from '../src/internal.js';
import { ownerConditionFor } from './_owner.js';

export const COMMANDS: PolicyCommand[] = ['select', 'insert', 'update', 'delete', 'all'];

export function describePolicy(p: PolicyInfo): string {
  const parts = [`"${p.name}"`, p.permissive ? '' : 'AS RESTRICTIVE', `FOR ${p.command.toUpperCase()}`, `TO ${p.roles.join(', ')}`];
  if (p.using !== null) parts.push(`USING (${p.using})`);
  if (p.check !== null) parts.push(`WITH CHECK (${p.check})`);
  return parts.filter(Boolean).join(' ');
}

/** The Why lines of a policy matcher: the table's policies as defined, and RLS being off. */
export function policiesWhy(policies: PolicyInfo[], t: TableInfo): string[] {
  return [
    ...(policies.length ? ['Policies on the table:', ...policies.map((p) => `  ${describePolicy(p)}`)] : []),
    ...(t.rlsEnabled ? [] : [`Row level security is disabled on ${t.qualifiedName}, so no policy is enforced at all.`]),
  ];
}

/** Passes when some policy on the table applies to that command (ALL counts) for that role (PUBLIC and memberships count). */
export async function toHavePolicyFor(this: MatcherContext, received: unknown, command: unknown, role: unknown): Promise<MatcherResult> {
  const ref = asTable(received, 'toHavePolicyFor');
  const cmd = typeof command === 'string' ? (command.toLowerCase() as PolicyCommand) : undefined;
  if (!cmd || !COMMANDS.includes(cmd)) throw new TypeError(`toHavePolicyFor() takes a command: 'select', 'insert', 'update', 'delete' or 'all', got ${JSON.stringify(command)}`);
  const roleName = roleArgument(role, 'toHavePolicyFor');
  const engine = ref[ENGINE];
  const t = await ref.info();
  await engine.catalog.role(roleName);
  const [policies, roles] = await Promise.all([engine.catalog.policies(t), engine.catalog.rolesOf(roleName)]);
  const matching = policies.filter((p) => appliesTo(p, roles, cmd));
  const C = cmd.toUpperCase();
  const pass = matching.length > 0;
  const table = qualified(t.schema, t.name);
  // the fix, only for a failure: take the matching policies away from the role, or create one
  let fix: string[] = [];
  if (pass && this.isNot) fix = matching.map((p) => withoutRole(p, table, roleName, engine.preset.authenticatedRole));
  if (!pass && !this.isNot) {
    const cond = await ownerConditionFor(engine, t);
    const clauses = cmd === 'insert' ? ['WITH CHECK'] : cmd === 'update' || cmd === 'all' ? ['USING', 'WITH CHECK'] : ['USING'];
    fix = [
      `CREATE POLICY ${ident(`${roleName} ${cmd}`)} ON ${table} FOR ${C} TO ${ident(roleName)}\n  ${clauses.map((c) => `${c} (${cond ?? '<condition>'})`).join(' ')};` +
        (cond ? '  -- rows owned by the requester; adjust to your table' : '  -- no column looks like the row\'s owner: write the condition that fits your table'),
    ];
  }
  return {
    pass,
    message: () =>
      failure(this, 'toHavePolicyFor', 'table', `'${cmd}', '${roleName}'`, {
        expected: `${this.isNot ? 'no' : 'a'} policy on ${t.qualifiedName} for ${C} that applies to ${roleName}`,
        received: this.isNot ? `${matching.map((p) => `"${p.name}"`).join(', ')} ${matching.length === 1 ? 'applies' : 'apply'}` : policies.length ? 'none of its policies applies' : 'the table has no policies',
        why: policiesWhy(policies, t),
        fix,
      }),
  };
}

/**
 * SQL that stops a policy from applying to `role` and keeps it for the others: a policy for
 * PUBLIC (no TO clause) goes to the API's signed-in role; a role named among others is taken
 * off the list; DROP only when it names that role alone.
 */
function withoutRole(p: PolicyInfo, table: string, role: string, signedIn: string): string {
  const alter = `ALTER POLICY ${ident(p.name)} ON ${table} TO`;
  if (p.roles.includes('public') && role !== signedIn) return `${alter} ${ident(signedIn)};  -- no TO clause means PUBLIC, ${role} included`;
  if (p.roles.includes(role)) {
    const rest = p.roles.filter((r) => r !== role);
    if (rest.length) return `${alter} ${rest.map((r) => (r === 'public' ? 'PUBLIC' : ident(r))).join(', ')};`;
    return `DROP POLICY ${ident(p.name)} ON ${table};`;
  }
  if (p.roles.includes('public')) return `DROP POLICY ${ident(p.name)} ON ${table};  -- it applies to PUBLIC, which every role is a member of`;
  return `-- ${role} gets policy "${p.name}" through its membership in ${p.roles.join(', ')}: revoke that membership, or give the policy to other roles`;
}
