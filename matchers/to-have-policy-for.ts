import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asTable, roleArgument } from './_subjects.js';
import { appliesTo, type PolicyCommand, type PolicyInfo } from '../src/internal.js';
import { ENGINE } from '../src/internal.js';
import { ident, qualified } from '../src/internal.js';

const COMMANDS: PolicyCommand[] = ['select', 'insert', 'update', 'delete', 'all'];

export function describePolicy(p: PolicyInfo): string {
  const parts = [`"${p.name}"`, p.permissive ? '' : 'AS RESTRICTIVE', `FOR ${p.command.toUpperCase()}`, `TO ${p.roles.join(', ')}`];
  if (p.using !== null) parts.push(`USING (${p.using})`);
  if (p.check !== null) parts.push(`WITH CHECK (${p.check})`);
  return parts.filter(Boolean).join(' ');
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
  return {
    pass: matching.length > 0,
    message: () =>
      failure(this, 'toHavePolicyFor', 'table', `'${cmd}', '${roleName}'`, {
        expected: `${this.isNot ? 'no' : 'a'} policy on ${t.qualifiedName} for ${C} that applies to ${roleName}`,
        received: this.isNot ? `${matching.map((p) => `"${p.name}"`).join(', ')} ${matching.length === 1 ? 'applies' : 'apply'}` : policies.length ? 'none of its policies applies' : 'the table has no policies',
        why: [
          ...(policies.length ? ['Policies on the table:', ...policies.map((p) => `  ${describePolicy(p)}`)] : []),
          ...(t.rlsEnabled ? [] : [`Row level security is disabled on ${t.qualifiedName}, so no policy is enforced at all.`]),
        ],
        fix: this.isNot
          ? matching.map((p) => `DROP POLICY ${ident(p.name)} ON ${qualified(t.schema, t.name)};`)
          : `CREATE POLICY ${ident(`${roleName} ${cmd}`)} ON ${qualified(t.schema, t.name)} FOR ${C} TO ${ident(roleName)}\n  ${cmd === 'insert' ? 'WITH CHECK' : 'USING'} ((select auth.user_id()) = user_id);  -- the condition that fits your table`,
      }),
  };
}
