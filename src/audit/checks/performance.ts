/** Correct but slow policies: per-row auth calls, several permissive policies. */
import { ident, literal } from '../../sql/index.js';
import { bareAuthCalls, wrapAuthCalls } from '../expressions.js';
import type { Check, Finding } from '../types.js';
import { nameOf, sqlName, policyObject, isTable, list, roleList, apiRoles, applies, covers, finding, forEachPolicy } from './_helpers.js';

export const authCallPerRow: Check = {
  id: 'auth_call_per_row',
  level: 'warning',
  title: 'auth.*() evaluated for every row',
  description: 'A call such as auth.user_id() in a policy, not wrapped in (SELECT ...), is evaluated once per row; wrapped, it is evaluated once per statement (an InitPlan). Calls already inside a sub-select, like ( SELECT (auth.user_id() = user_id)), are fine.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls) return undefined;
      const calls = [...bareAuthCalls(p.using), ...bareAuthCalls(p.check)];
      if (!calls.length) return undefined;
      const sets = [...(p.using && bareAuthCalls(p.using).length ? [`USING (${wrapAuthCalls(p.using)})`] : []), ...(p.check && bareAuthCalls(p.check).length ? [`WITH CHECK (${wrapAuthCalls(p.check)})`] : [])];
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} calls ${list([...new Set(calls)])} for every row; wrapped in (SELECT ...) it runs once per statement`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} ${sets.join(' ')};`,
      });
    });
  },
};

export const multiplePermissive: Check = {
  id: 'multiple_permissive_policies',
  level: 'info',
  title: 'Several permissive policies for one role and command',
  description: 'Every permissive policy for a role and command is evaluated for every row and ORed; one policy with the conditions ORed is cheaper and easier to read. A performance hint: the schema is correct.',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      for (const role of apiRoles(ctx)) {
        for (const cmd of ['select', 'insert', 'update', 'delete'] as const) {
          const ps = r.policies.filter((p) => p.permissive && covers(p, cmd) && applies(ctx, p, role));
          if (ps.length < 2) continue;
          const sameShape = ps.every((p) => p.cmd === cmd && p.roles.join() === ps[0]!.roles.join());
          const using = ps.map((p) => `(${p.using ?? 'true'})`).join(' OR ');
          const check = ps.map((p) => `(${p.check ?? p.using ?? 'true'})`).join(' OR ');
          out.push(
            finding(this, {
              object: `${nameOf(r)} ${cmd} ${role}`,
              table: nameOf(r),
              message: `${nameOf(r)} has ${ps.length} permissive policies for ${role} on ${cmd.toUpperCase()} (${list(ps.map((p) => `"${p.name}"`))}): each is evaluated for every row`,
              fix: sameShape
                ? `${ps.map((p) => `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`).join('\n')}\nCREATE POLICY ${ident(ps.map((p) => p.name).join(' or '))} ON ${sqlName(r)} FOR ${cmd.toUpperCase()} TO ${roleList(ps[0]!.roles)}${cmd === 'insert' ? '' : ` USING (${using})`}${cmd === 'insert' || cmd === 'update' ? ` WITH CHECK (${check})` : ''};`
                : `-- merge ${list(ps.map((p) => literal(p.name)))} into one ${cmd.toUpperCase()} policy whose condition ORs theirs`,
            }),
          );
        }
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const PERFORMANCE_CHECKS: readonly Check[] = [authCallPerRow, multiplePermissive];
