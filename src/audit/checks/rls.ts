/** Row level security switched off, or on with nothing to let requests through. */
import { ident } from '../../sql/index.js';
import { isAlwaysFalse, ownerColumns } from '../expressions.js';
import type { RelationFacts } from '../facts.js';
import type { Check, CheckContext, Finding } from '../types.js';
import { CMD_PRIV, apiRoles, finding, forEachExposedTable, isTable, list, nameOf, ownerCondition, policiesFor, privs, roleList, routinesOf, schemaUsage, sqlName, whoReaches } from './_helpers.js';

export const rlsDisabledExposed: Check = {
  id: 'rls_disabled_exposed',
  level: 'error',
  title: 'RLS disabled on a table the Data API reaches',
  description: 'A table that an API role can read or write with row level security disabled: every row is visible and writable to every request (seed: "I can see all rows in my table").',
  run(ctx) {
    return forEachExposedTable(ctx, this, (r) => !r.rls && r.policies.length === 0, (r, who) => {
      // RLS without a policy shuts every request out: where the table records its rows' owner,
      // the fix lets each signed-in user reach their own rows
      const cond = ownerCondition(r);
      const role = ctx.roles.authenticated;
      return {
        message: `row level security is disabled on ${nameOf(r)}, which ${whoReaches(ctx, r, who)} can reach through the Data API: every request sees and changes every row${r.partitionOf ? ` (it is a partition of ${r.partitionOf}, and can be queried directly)` : ''}`,
        fix: [
          `ALTER TABLE ${sqlName(r)} ENABLE ROW LEVEL SECURITY;`,
          ...(cond && who.includes(role) ? [`CREATE POLICY ${ident('own rows')} ON ${sqlName(r)} FOR ALL TO ${ident(role)} USING (${cond}) WITH CHECK (${cond});`] : []),
        ].join('\n'),
      };
    });
  },
};

export const policyExistsRlsDisabled: Check = {
  id: 'policy_exists_rls_disabled',
  level: 'error',
  title: 'Policies exist but RLS is disabled',
  description: 'Policies are ignored while row level security is disabled: the table is open to every API role holding privileges on it.',
  run(ctx) {
    return forEachExposedTable(ctx, this, (r) => !r.rls && r.policies.length > 0, (r, who) => ({
      message: `${nameOf(r)} has policies (${r.policies.map((p) => `"${p.name}"`).join(', ')}) but row level security is disabled, so they are ignored: ${whoReaches(ctx, r, who)} reach every row`,
      fix: `ALTER TABLE ${sqlName(r)} ENABLE ROW LEVEL SECURITY;`,
    }));
  },
};

export const rlsEnabledNoPolicy: Check = {
  id: 'rls_enabled_no_policy',
  level: 'warning',
  title: 'RLS enabled, no policy, yet granted to API roles',
  description: 'With row level security on and no policy, reads return no rows and writes are refused (seed: "RLS is enabled but I can\'t see any rows"). Fine for a server-only table, but then it should not be granted to the API roles.',
  run(ctx) {
    return forEachExposedTable(ctx, this, (r) => r.rls && r.policies.length === 0 && !r.partitionOf, (r, who) => ({
      message: `row level security is enabled on ${nameOf(r)} but it has no policy, while ${whoReaches(ctx, r, who)} are granted: their reads return no rows and their writes are refused; create policies for the rows they may use, or revoke the grants if the table is server-only`,
      fix: `REVOKE SELECT, INSERT, UPDATE, DELETE ON ${sqlName(r)} FROM ${roleList(who)};`,
    }));
  },
};

/** A table of one row per user: its primary key is the column its policies compare with the requester (profiles, settings). */
function onePerUser(ctx: CheckContext, r: RelationFacts): boolean {
  if (r.primaryKey.length !== 1) return false;
  return r.policies.some((p) => ownerColumns(p.using, r.name, routinesOf(ctx)).includes(r.primaryKey[0]!) || ownerColumns(p.check, r.name, routinesOf(ctx)).includes(r.primaryKey[0]!));
}

export const commandGrantedWithoutPolicy: Check = {
  id: 'command_granted_without_policy',
  level: 'warning',
  title: 'UPDATE or DELETE granted, but no policy for it',
  description: 'An API role holds UPDATE or DELETE on a table with row level security, but no policy for that command applies to it: every such request affects 0 rows and reports success. A warning for the authenticated role when users manage their own rows with the other two writes (their policies compare the owner with the requester), so the missing one looks forgotten (not on a table of one row per user, such as profiles keyed by the user id, whose rows go with the account); info otherwise (a read-only or append-only table: revoke the privilege to say so).',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls || !r.policies.length || r.partitionOf) continue;
      for (const role of apiRoles(ctx)) {
        if (!schemaUsage(ctx, r.schema, role)) continue;
        // a policy that admits rows: an UPDATE or DELETE one needs a USING (without, it admits none)
        const admitting = (cmd: 'insert' | 'update' | 'delete') => policiesFor(ctx, r, cmd, role, true).filter((p) => cmd === 'insert' || (p.using !== null && !isAlwaysFalse(p.using)));
        const missing = (['update', 'delete'] as const).filter((cmd) => privs(r, role).includes(CMD_PRIV[cmd]) && !admitting(cmd).length);
        if (!missing.length) continue;
        // Forgotten, when users manage their own rows (the other two writes compare the row's owner
        // with the requester) but cannot do this one. Not a bucket anyone uploads to, nor a profile.
        const ownWrites = (['insert', 'update', 'delete'] as const).filter((cmd) =>
          admitting(cmd).some((p) => ownerColumns(cmd === 'insert' ? p.check : p.using, r.name, routinesOf(ctx)).length > 0),
        );
        const forgotten = role === ctx.roles.authenticated && ownWrites.length >= 2 && !onePerUser(ctx, r);
        const words = missing.map((c) => c.toUpperCase());
        const cond = ownerCondition(r);
        out.push(
          finding(this, {
            level: forgotten ? 'warning' : 'info',
            object: nameOf(r),
            table: nameOf(r),
            message: `${role} holds ${list(words)} on ${nameOf(r)}, but no ${list(words)} policy applies to it: every such request affects 0 rows and reports success; ${forgotten ? 'create the policy' : 'revoke the privilege if the table is not meant to be changed that way'}`,
            fix:
              forgotten && cond
                ? missing.map((c) => `CREATE POLICY ${ident(`${c} own rows`)} ON ${sqlName(r)} FOR ${c.toUpperCase()} TO ${ident(role)} USING (${cond});`).join('\n')
                : `REVOKE ${words.join(', ')} ON ${sqlName(r)} FROM ${ident(role)};`,
          }),
        );
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const RLS_CHECKS: readonly Check[] = [rlsDisabledExposed, policyExistsRlsDisabled, rlsEnabledNoPolicy, commandGrantedWithoutPolicy];
