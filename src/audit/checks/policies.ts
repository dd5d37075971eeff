/** Policies that admit too much: always true, ORed with a true one, a tenant boundary that is permissive, no TO clause, a write check looser than its USING, and INSERT without a SELECT policy. */
import { ident } from '../../sql/index.js';
import { isAlwaysFalse, isAlwaysTrue, referencesRequester, referencesTenant } from '../expressions.js';
import type { PolicyCmd } from '../facts.js';
import type { Check, Finding } from '../types.js';
import { CRUD, CMD_PRIV, nameOf, sqlName, policyObject, isTable, list, apiRoles, applies, covers, privs, schemaUsage, ownerCondition, finding, createPolicySql, forEachPolicy, policyApiRoles, routinesOf } from './_helpers.js';

export const policyAlwaysTrue: Check = {
  id: 'policy_always_true',
  level: 'error',
  title: 'A write policy that admits every row',
  description: 'A permissive UPDATE/DELETE/ALL policy with USING (true), or an INSERT/UPDATE/ALL policy whose WITH CHECK is true (or an INSERT policy without one), for an API role: every requester may change any row. SELECT USING (true) is left alone: public read access is a deliberate pattern.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive) return undefined;
      const cmds = (p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd]) as Exclude<PolicyCmd, 'all'>[];
      // A RESTRICTIVE policy (a tenant boundary, say) still limits what the true one admits.
      const roles = policyApiRoles(ctx, p).filter((role) => !r.policies.some((o) => !o.permissive && cmds.some((c) => covers(o, c)) && applies(ctx, o, role)));
      if (!roles.length) return undefined;
      const usingTrue = (p.cmd === 'update' || p.cmd === 'delete' || p.cmd === 'all') && isAlwaysTrue(p.using);
      const checkTrue =
        ((p.cmd === 'insert' || p.cmd === 'update' || p.cmd === 'all') && isAlwaysTrue(p.check)) ||
        (p.cmd === 'insert' && p.check === null) ||
        ((p.cmd === 'update' || p.cmd === 'all') && p.check === null && isAlwaysTrue(p.using));
      if (!usingTrue && !checkTrue) return undefined;
      const what = p.cmd === 'insert' ? 'insert any row' : p.cmd === 'delete' ? 'delete every row' : usingTrue ? `${p.cmd === 'all' ? 'read, change and delete' : 'change'} every row` : 'write rows owned by anyone';
      const cond = ownerCondition(r);
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} lets ${list(roles)} ${what} (${usingTrue ? 'USING (true)' : p.check === null && p.cmd === 'insert' ? 'no WITH CHECK' : 'WITH CHECK (true)'}); make it check the requester${cond ? '' : ', or drop it'}`,
        fix: cond
          ? createPolicySql(r, p, { using: usingTrue ? cond : p.using, check: checkTrue ? cond : p.check })
          : `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

export const permissiveTrueOverrides: Check = {
  id: 'permissive_true_overrides',
  level: 'error',
  title: 'A permissive USING (true) ORs away another policy',
  description: 'Permissive policies are ORed: a SELECT policy with USING (true) for a role makes every other SELECT policy for that role restrict nothing.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'select') || !isAlwaysTrue(p.using)) return undefined;
      for (const role of policyApiRoles(ctx, p)) {
        const others = r.policies.filter((o) => o !== p && o.permissive && covers(o, 'select') && o.using !== null && !isAlwaysTrue(o.using) && applies(ctx, o, role));
        if (!others.length) continue;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} admits every row to ${role} (USING (true)), so the condition of ${list(others.map((o) => `"${o.name}"`))} restricts nothing: ${role} reads every row`,
          fix: p.roles.includes('public') && ctx.roles.anonymous !== role
            ? `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} TO ${ident(ctx.roles.anonymous)};`
            : `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
        });
      }
      return undefined;
    });
  },
};

export const tenantOredAway: Check = {
  id: 'tenant_policy_permissive',
  level: 'warning',
  title: 'A tenant restriction ORed with a policy that ignores the tenant',
  description: 'A permissive policy that checks the tenant (tenant_id, org_id, auth.organization_id() ...) is ORed with another permissive policy for the same role and command that does not: rows of other tenants pass through the other one. A tenant boundary belongs in a RESTRICTIVE policy.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !(referencesTenant(p.using) || referencesTenant(p.check))) return undefined;
      for (const role of policyApiRoles(ctx, p)) {
        const cmds = (p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd]) as Exclude<PolicyCmd, 'all'>[];
        const others = r.policies.filter(
          (o) => o !== p && o.permissive && cmds.some((c) => covers(o, c)) && applies(ctx, o, role) && !referencesTenant(o.using) && !referencesTenant(o.check) && !isAlwaysFalse(o.using),
        );
        if (!others.length) continue;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} checks the tenant, but it is permissive and ${list(others.map((o) => `"${o.name}"`))} (also permissive, for ${role}) does not: the two are ORed, so rows of other tenants pass through ${others.length > 1 ? 'them' : `"${others[0]!.name}"`}; make the tenant policy RESTRICTIVE`,
          fix: createPolicySql(r, p, { restrictive: true }),
        });
      }
      return undefined;
    });
  },
};

export const policyToPublic: Check = {
  id: 'policy_to_public',
  level: 'warning',
  title: 'Policy without TO: applies to anonymous too',
  description: 'A policy created without a TO clause applies to PUBLIC, every role, the anonymous role included, on a table the anonymous role is granted.',
  run(ctx) {
    const anon = ctx.roles.anonymous;
    if (!apiRoles(ctx).includes(anon)) return [];
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.roles.includes('public') || !p.permissive) return undefined;
      const cmds = p.cmd === 'all' ? CRUD : [CMD_PRIV[p.cmd]];
      const granted = cmds.filter((c) => privs(r, anon).includes(c));
      if (!granted.length || !schemaUsage(ctx, r.schema, anon)) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} has no TO clause, so it applies to every role, ${anon} included (granted ${granted.join(', ')}); name the roles it is for`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} TO ${ident(ctx.roles.authenticated)};`,
      });
    });
  },
};

export const updateAllowsHandover: Check = {
  id: 'update_allows_handover',
  level: 'error',
  title: 'UPDATE can hand a row to someone else',
  description: 'An UPDATE (or ALL) policy whose USING checks the requester but whose WITH CHECK does not: the new row is not checked, so a user can rewrite the owner column and give the row away (or take over one). Without WITH CHECK, Postgres reuses USING for the new row, which is safe; the leak is a WITH CHECK that is looser than USING.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'update') || p.check === null || isAlwaysTrue(p.check)) return undefined;
      if (!referencesRequester(p.using, routinesOf(ctx)) || referencesRequester(p.check, routinesOf(ctx)) || isAlwaysFalse(p.check)) return undefined;
      const roles = policyApiRoles(ctx, p);
      if (!roles.length) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} checks the requester in USING but not in WITH CHECK (${p.check}): ${list(roles)} can update a row of theirs so that it belongs to someone else`,
        fix: createPolicySql(r, p, { check: p.using }),
      });
    });
  },
};

export const insertWithoutSelect: Check = {
  id: 'insert_without_select_policy',
  level: 'warning',
  title: 'INSERT allowed, but no SELECT policy: INSERT ... RETURNING fails',
  description: 'The Data API returns the inserted row (Prefer: return=representation) with INSERT ... RETURNING, which needs a SELECT policy too: without one the insert fails with "new row violates row-level security policy".',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      for (const role of apiRoles(ctx)) {
        if (!privs(r, role).includes('INSERT') || !schemaUsage(ctx, r.schema, role)) continue;
        const inserts = r.policies.filter((p) => p.permissive && covers(p, 'insert') && applies(ctx, p, role));
        if (!inserts.length) continue;
        if (r.policies.some((p) => p.permissive && covers(p, 'select') && applies(ctx, p, role))) continue;
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `${role} may insert into ${nameOf(r)} (${list(inserts.map((p) => `"${p.name}"`))}) but no SELECT policy applies to it: an insert that returns the row (Prefer: return=representation) fails with "new row violates row-level security policy"`,
            fix: `CREATE POLICY ${ident(`${role} reads own rows`)} ON ${sqlName(r)} FOR SELECT TO ${ident(role)} USING (${ownerCondition(r) ?? inserts[0]!.check ?? 'false'});`,
          }),
        );
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const POLICY_CHECKS: readonly Check[] = [policyAlwaysTrue, permissiveTrueOverrides, tenantOredAway, policyToPublic, updateAllowsHandover, insertWithoutSelect];
