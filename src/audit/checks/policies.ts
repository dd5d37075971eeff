/** Policies that admit too much: always true, ORed with a true one, a tenant boundary that is permissive, no TO clause, a write check looser than its USING, and INSERT without a SELECT policy. */
import { ident } from '../../sql/index.js';
import { andOf, deparse } from '../../sql/parse.js';
import {
  dependsOnRequester,
  effectiveCheck,
  equalsIdentity,
  expr,
  identityComparisons,
  isAlwaysFalse,
  isAlwaysTrue,
  orTerms,
  ownerColumns,
  ownRowColumns,
  referencesRequester,
  referencesTenant,
  rowColumns,
  tablesRead,
  trueForEveryUser,
  verifiedColumns,
} from '../expressions.js';
import type { PolicyCmd, PolicyFacts, RelationFacts } from '../facts.js';
import type { Check, CheckContext, Finding } from '../types.js';
import { dropMembershipPolicy, membership } from './memberships.js';
import { CRUD, CMD_PRIV, nameOf, sqlName, policyObject, isTable, list, apiRoles, applies, covers, privs, schemaUsage, ownerCondition, finding, createPolicySql, forEachPolicy, policyLikeSql, policiesFor, policyApiRoles, reaches, routinesOf, triggerGuards, identityDefaults } from './_helpers.js';

export const policyAlwaysTrue: Check = {
  id: 'policy_always_true',
  level: 'error',
  title: 'A write policy that admits every row',
  description: 'A permissive UPDATE/DELETE/ALL policy with USING (true) (or a USING every signed-in user passes, such as auth.uid() IS NOT NULL or auth.role() = \'authenticated\'), or an INSERT/UPDATE/ALL policy whose WITH CHECK is true (or an INSERT policy without one), for an API role: every requester may change any row. SELECT USING (true) is left alone: public read access is a deliberate pattern; so is an UPDATE policy without USING (it admits no row). An open INSERT into a table whose policies decide who reaches a row by its primary key alone (teams: `id IN (SELECT my_teams())`) is info: a new row is nobody else\'s.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive) return undefined;
      const cmds = (p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd]) as Exclude<PolicyCmd, 'all'>[];
      // A RESTRICTIVE policy (a tenant boundary, say) still limits what the true one admits.
      let roles = policyApiRoles(ctx, p).filter((role) => !r.policies.some((o) => !o.permissive && cmds.some((c) => covers(o, c)) && applies(ctx, o, role)));
      // `auth.uid() IS NOT NULL`, `auth.role() = 'authenticated'`: true for every signed-in user
      const everyUser = !isAlwaysTrue(p.using) && p.cmd !== 'select' && trueForEveryUser(p.using, routinesOf(ctx));
      if (everyUser) roles = roles.filter((role) => role === ctx.roles.authenticated);
      if (!roles.length) return undefined;
      const open = (e: string | null) => isAlwaysTrue(e) || (everyUser && e === p.using);
      const usingTrue = (p.cmd === 'update' || p.cmd === 'delete' || p.cmd === 'all') && open(p.using);
      // an UPDATE policy without USING admits no existing row: its WITH CHECK never sees one
      const checkTrue =
        ((p.cmd === 'insert' || p.cmd === 'all' || (p.cmd === 'update' && p.using !== null)) && isAlwaysTrue(p.check)) ||
        (p.cmd === 'insert' && p.check === null) ||
        ((p.cmd === 'update' || p.cmd === 'all') && p.check === null && open(p.using));
      if (!usingTrue && !checkTrue) return undefined;
      const pk = p.cmd === 'insert' ? nobodysRows(r) : undefined;
      const what = p.cmd === 'insert' ? 'insert any row' : p.cmd === 'delete' ? 'delete every row' : usingTrue ? `${p.cmd === 'all' ? 'read, change and delete' : 'change'} every row` : 'write rows owned by anyone';
      // the new condition: the owner, and the tenant where the table's read policies check one
      // (an owner check alone lets a user write their own row into any team)
      const tenant = r.policies.find((o) => o !== p && o.permissive && covers(o, 'select') && o.using !== null && referencesTenant(o.using) && dependsOnRequester(expr(o.using), routinesOf(ctx)));
      const owner = ownerCondition(r);
      const cond = owner && tenant ? `${owner} AND (${tenant.using})` : (owner ?? (tenant ? tenant.using! : undefined));
      // On a membership table, checking the user column (`user_id = auth.uid()`) still lets anyone
      // join any organisation: the policy goes, memberships are added through a function.
      const joins = checkTrue && !usingTrue && membership(ctx, r) !== undefined;
      if (pk) {
        return finding(this, {
          level: 'info',
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} lets ${list(roles)} insert any row, but the policies decide who reaches a row by its primary key (${pk}) alone: a new row is nobody else's (creating one is open to all; restrict it if that is not meant)`,
          fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};  -- if rows are meant to be created only through a function`,
        });
      }
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} lets ${list(roles)} ${what} (${usingTrue ? (everyUser ? `USING (${p.using}), which every signed-in user passes` : 'USING (true)') : p.check === null && p.cmd === 'insert' ? 'no WITH CHECK' : 'WITH CHECK (true)'}); ${
          joins ? `${nameOf(r)} holds memberships: anyone joins any organisation, and checking the user column would not stop it; drop it` : `make it check the requester${cond ? '' : ', or drop it'}`
        }`,
        fix: joins
          ? dropMembershipPolicy(r, p)
          : cond
            ? createPolicySql(r, p, { using: usingTrue ? cond : p.using, check: checkTrue ? cond : p.check })
            : `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

/**
 * The primary key column, when the table's other policies decide who reaches a row by it alone
 * (`id IN (SELECT my_teams())` on teams): a row inserted with a new key is nobody else's.
 */
function nobodysRows(r: RelationFacts): string | undefined {
  if (r.primaryKey.length !== 1) return undefined;
  const deciding = r.policies.filter((p) => p.cmd !== 'insert').flatMap((p) => [...rowColumns(expr(p.using), r.name), ...rowColumns(expr(p.check), r.name)]);
  return deciding.length && deciding.every((c) => c === r.primaryKey[0]) ? r.primaryKey[0] : undefined;
}

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
          // meant for anonymous reads (a PUBLIC policy the anonymous role can use): keep it for them;
          // otherwise it admits nothing the others do not, but every row
          fix: p.roles.includes('public') && ctx.roles.anonymous !== role && reaches(ctx, r, ctx.roles.anonymous, 'SELECT')
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
  description: 'A permissive policy that checks the tenant (tenant_id, org_id, auth.organization_id() ...) is ORed with another permissive policy for the same role and command that does not: rows of other tenants pass through the other one. Not reported when the other policy admits only the requester\'s own rows (`user_id = auth.uid()`, a storage folder named after the user; for a new row, only when it ties a column the tenant policy checks), nor inside a RESTRICTIVE policy that checks the tenant. The fix adds the tenant condition as a RESTRICTIVE policy, so the permissive one keeps letting members in.',
  run(ctx) {
    const rs = routinesOf(ctx);
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !(referencesTenant(p.using) || referencesTenant(p.check))) return undefined;
      const cmds = (p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd]) as Exclude<PolicyCmd, 'all'>[];
      // An own-row policy (`user_id = auth.uid()`) lets a user reach only their own rows, which is
      // no other tenant's: ORed with the tenant policy it adds the user's rows, not a leak. For a
      // new row (INSERT, UPDATE's check) only when it ties a column the tenant policy checks
      // (the first folder of a storage path); `user_id = auth.uid()` beside a team_id lets a user
      // write their own row into any team.
      const newRowOwn = (check: string | null, cmd: 'insert' | 'update') => {
        const tenantCols = rowColumns(expr(cmd === 'insert' ? (p.cmd === 'all' ? effectiveCheck(p) : p.check) : effectiveCheck(p)), r.name);
        return ownRowColumns(check, r.name, rs)?.every((tied) => [...tied].some((c) => tenantCols.has(c))) ?? false;
      };
      const ownRows = (o: PolicyFacts, cmd: Exclude<PolicyCmd, 'all'>) => {
        if (cmd === 'insert') return newRowOwn(o.cmd === 'all' ? effectiveCheck(o) : o.check, cmd);
        if (!ownRowColumns(o.using, r.name, rs)) return false;
        return cmd !== 'update' || newRowOwn(effectiveCheck(o), cmd);
      };
      for (const role of policyApiRoles(ctx, p)) {
        // a RESTRICTIVE policy that checks the tenant is the boundary: what the others admit stays inside it
        const bounded = (c: Exclude<PolicyCmd, 'all'>) => policiesFor(ctx, r, c, role, false).some((o) => referencesTenant(o.using) || referencesTenant(o.check));
        const others = r.policies.filter(
          (o) =>
            o !== p &&
            o.permissive &&
            cmds.some((c) => covers(o, c) && !ownRows(o, c) && !bounded(c)) &&
            applies(ctx, o, role) &&
            !referencesTenant(o.using) &&
            !referencesTenant(o.check) &&
            !isAlwaysFalse(o.using),
        );
        if (!others.length) continue;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} checks the tenant, but it is permissive and ${list(others.map((o) => `"${o.name}"`))} (also permissive, for ${role}) does not: the two are ORed, so rows of other tenants pass through ${others.length > 1 ? 'them' : `"${others[0]!.name}"`}; add the tenant condition as a RESTRICTIVE policy (the permissive one stays, so members keep their access)`,
          fix: policyLikeSql(r, p, { name: `${p.name.slice(0, 45)} (boundary)`, restrictive: true }),
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
  description: 'A policy created without a TO clause applies to PUBLIC, every role, the anonymous role included, on a table the anonymous role is granted. Kept as a warning for deliberate public reads too (the same shape leaks member profiles elsewhere): their fix offers both, signed-in users only, or the two API roles by name, which keeps anonymous reads. Info when every row it admits is tied to the requester\'s id or email (`user_id = auth.uid()`), which the anonymous role lacks: it admits nothing to it.',
  run(ctx) {
    const anon = ctx.roles.anonymous;
    if (!apiRoles(ctx).includes(anon)) return [];
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.roles.includes('public') || !p.permissive) return undefined;
      const cmds = p.cmd === 'all' ? CRUD : [CMD_PRIV[p.cmd]];
      const granted = cmds.filter((c) => privs(r, anon).includes(c));
      if (!granted.length || !schemaUsage(ctx, r.schema, anon)) return undefined;
      // A read that does not depend on who asks may be public on purpose (a product catalogue):
      // the alternative names both API roles, so that anonymous reads stay and PUBLIC goes.
      const publicRead = p.cmd === 'select' && !referencesRequester(p.using, routinesOf(ctx));
      const alter = (roles: string[]) => `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} TO ${roles.map(ident).join(', ')};`;
      // Every row it admits is tied to the requester's id or email (`user_id = auth.uid()`), which
      // is NULL for the anonymous role: it applies to anonymous and admits nothing, so naming the
      // role only states the intent (info).
      const own = (e: string | null) => ownRowColumns(e, r.name, routinesOf(ctx), { subjectOnly: true }) !== undefined;
      const nothingForAnon = (p.cmd === 'insert' || own(p.using)) && (p.cmd === 'select' || p.cmd === 'delete' || own(p.cmd === 'insert' ? p.check : effectiveCheck(p)));
      return finding(this, {
        level: nothingForAnon ? 'info' : 'warning',
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} has no TO clause, so it applies to every role, ${anon} included (granted ${granted.join(', ')}); ${
          nothingForAnon ? `its condition ties each row to the requester's id, which ${anon} lacks, so it admits nothing to ${anon}: name the roles it is for to say so` : 'name the roles it is for'
        }${publicRead ? ` (${ctx.roles.authenticated} only, or ${anon} and ${ctx.roles.authenticated} if these rows are public on purpose)` : ''}`,
        fix: publicRead
          ? `${alter([ctx.roles.authenticated])}\n-- or, if these rows are public on purpose: ${alter([anon, ctx.roles.authenticated])}`
          : alter([ctx.roles.authenticated]),
      });
    });
  },
};

export const updateAllowsHandover: Check = {
  id: 'update_allows_handover',
  level: 'error',
  title: 'UPDATE can hand a row to someone else',
  description: 'An UPDATE (or ALL) policy whose USING checks the requester but whose new-row check does not: a user can rewrite the owner column and give the row away (or take over one). The new row is held to WITH CHECK, or to USING when there is none; that is safe when every OR-term of it involves the owner column or the requester, and a leak when one does not (`WITH CHECK (content <> \'\')`, or `USING (is_published OR user_id = auth.uid())` without WITH CHECK). Not reported when a column grant keeps the owner column out of UPDATE, or a RESTRICTIVE policy or a BEFORE UPDATE trigger pins it.',
  run(ctx) {
    const rs = routinesOf(ctx);
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'update') || !referencesRequester(p.using, rs)) return undefined;
      const check = effectiveCheck(p);
      if (check === null || isAlwaysTrue(check) || isAlwaysFalse(check)) return undefined;
      const comparisons = identityComparisons(expr(p.using), r.name, rs);
      const owners = [...new Set(comparisons.map((c) => c.column))];
      const updatable = (role: string) => !owners.length || owners.some((c) => r.columns.find((x) => x.name === c)?.update.includes(role));
      const pinned = (role: string) => owners.some((c) => triggerGuards(ctx, r, 'update', c) || policiesFor(ctx, r, 'update', role, false).some((o) => rowColumns(expr(effectiveCheck(o)), r.name).has(c)));
      const roles = policyApiRoles(ctx, p).filter((role) => reaches(ctx, r, role, 'UPDATE') && updatable(role) && !pinned(role));
      if (!roles.length) return undefined;
      if (p.check !== null && !referencesRequester(p.check, rs)) {
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} checks the requester in USING but not in WITH CHECK (${p.check}): ${list(roles)} can update a row of theirs so that it belongs to someone else`,
          fix: createPolicySql(r, p, { check: p.using }),
        });
      }
      // every OR-term of the new-row check must involve an owner column or the requester
      const loose = owners.length ? orTerms(check).find((t) => !owners.some((c) => rowColumns(t, r.name).has(c)) && !dependsOnRequester(t, rs)) : undefined;
      if (!loose) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} checks the requester in USING, but the new row only has to pass ${p.check === null ? 'its USING (there is no WITH CHECK)' : 'its WITH CHECK'}, where ${deparse(loose)} alone lets it through whatever ${list(owners)} is: ${list(roles)} can update a row of theirs so that it belongs to someone else`,
        fix: createPolicySql(r, p, { check: deparse(andOf(comparisons.map((c) => equalsIdentity(c.column, c.identity)))) }),
      });
    });
  },
};

export const insertCheckIgnoresOwner: Check = {
  id: 'insert_check_ignores_owner',
  level: 'error',
  title: 'INSERT lets users create rows in someone else\'s name',
  description: 'The SELECT policies decide whose a row is by an owner column (`user_id = auth.uid()`), or a column records it by its default (`user_id DEFAULT auth.uid()`, even where every row is readable), but an INSERT policy\'s WITH CHECK has an OR-term that mentions neither that column nor anything it checks against the requester (`WITH CHECK (auth.uid() IS NOT NULL)`, `(content <> \'\')`): a user inserts rows owned by someone else. Not reported when a RESTRICTIVE policy or a BEFORE INSERT trigger pins the owner column. A check that is true for every row is policy_always_true\'s.',
  run(ctx) {
    const out: Finding[] = [];
    const rs = routinesOf(ctx);
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      const reported = new Set<PolicyFacts>();
      for (const role of apiRoles(ctx)) {
        if (!reaches(ctx, r, role, 'INSERT')) continue;
        const reads = policiesFor(ctx, r, 'select', role, true);
        const comparisons = reads.flatMap((p) => identityComparisons(expr(p.using), r.name, rs));
        const byReads = [...new Set(comparisons.map((c) => c.column))];
        // a column that defaults to the requester's id records whose row it is, whatever the SELECT policies say
        const byDefault = identityDefaults(r).filter((d) => !byReads.includes(d.column));
        const owners = [...byReads, ...byDefault.map((d) => d.column)];
        if (!owners.length) continue;
        const restrictive = policiesFor(ctx, r, 'insert', role, false);
        if (owners.some((c) => triggerGuards(ctx, r, 'insert', c) || restrictive.some((o) => rowColumns(expr(effectiveCheck(o)), r.name).has(c)))) continue;
        for (const p of policiesFor(ctx, r, 'insert', role, true)) {
          const check = p.cmd === 'all' ? effectiveCheck(p) : p.check;
          if (reported.has(p) || check === null || isAlwaysTrue(check) || isAlwaysFalse(check)) continue;
          const loose = orTerms(check).find((t) => !owners.some((c) => rowColumns(t, r.name).has(c)) && verifiedColumns(t, r.name, rs).size === 0);
          if (!loose) continue;
          reported.add(p);
          const pin = comparisons.find((c) => c.column === owners[0]) ?? { column: byDefault[0]!.column, identity: expr(`(SELECT ${byDefault[0]!.call})`)! };
          const whose = [
            ...(byReads.length ? [`the SELECT policies (${list(reads.filter((x) => ownerColumns(x.using, r.name, rs).length).map((x) => `"${x.name}"`))}) say a row belongs to its ${list(byReads)}`] : []),
            ...(byDefault.length ? [`${list(byDefault.map((d) => `${d.column} DEFAULT ${d.call}`))} records who inserted the row`] : []),
          ];
          out.push(
            finding(this, {
              object: policyObject(r, p),
              table: nameOf(r),
              message: `policy "${p.name}" on ${nameOf(r)} lets ${role} insert rows whose ${list(owners)} is anyone's: ${deparse(loose)} alone passes its ${p.check === null ? 'USING (there is no WITH CHECK)' : 'WITH CHECK'}, while ${whose.join(', and ')}: a user creates rows in someone else's name`,
              fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} WITH CHECK (${deparse(andOf([expr(check)!, equalsIdentity(pin.column, pin.identity)]))});`,
            }),
          );
        }
      }
    }
    return out;
  },
};

/**
 * The chain of tables through which a policy's sub-selects come back to a table already being
 * expanded, as Postgres expands them (the SELECT policies of every table read apply), if any.
 */
function recursion(ctx: CheckContext, p: PolicyFacts, stack: string[], role: string): string[] | undefined {
  for (const read of [...tablesRead(p.using), ...tablesRead(p.check)]) {
    if (stack.includes(read)) return [...stack, read];
    const u = ctx.facts.relations.find((x) => nameOf(x) === read);
    if (!u || !isTable(u) || !u.rls || u.ownedBy.includes(role)) continue;
    for (const q of u.policies.filter((x) => covers(x, 'select') && applies(ctx, x, role))) {
      const found = recursion(ctx, q, [...stack, read], role);
      if (found) return found;
    }
  }
  return undefined;
}

export const policyRecursion: Check = {
  id: 'policy_recursion',
  level: 'error',
  title: 'Policy that reads its own table: infinite recursion',
  description: 'A policy whose sub-select reads its own table, directly or through the SELECT policies of the tables it reads, makes every request it applies to fail with "infinite recursion detected in policy for relation": Postgres applies the table\'s policies again inside the sub-select. Read the table through a SECURITY DEFINER function with a fixed search_path that checks the caller (its query is planned on its own, with its owner\'s rights).',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls) return undefined;
      for (const role of policyApiRoles(ctx, p)) {
        if (r.ownedBy.includes(role)) continue;
        const chain = recursion(ctx, p, [nameOf(r)], role);
        if (!chain) continue;
        const reentered = ctx.facts.relations.find((x) => nameOf(x) === chain[chain.length - 1])!.name;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} reads ${chain.slice(1).join(' → ')} in a sub-select${chain.length > 2 ? ' (through their SELECT policies)' : ''}: every request as ${role} it applies to fails (42P17, infinite recursion detected in policy for relation "${reentered}"); read ${chain[1]} through a SECURITY DEFINER function (fixed search_path) that checks the caller`,
          fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};  -- then recreate it calling a SECURITY DEFINER function that reads ${chain[1]} for the caller`,
        });
      }
      return undefined;
    });
  },
};

export const insertWithoutSelect: Check = {
  id: 'insert_without_select_policy',
  level: 'warning',
  title: 'INSERT allowed, but no SELECT policy: INSERT ... RETURNING fails',
  description: 'The Data API returns the inserted row (Prefer: return=representation) with INSERT ... RETURNING, which needs a SELECT policy too: without one the insert fails with "new row violates row-level security policy". The fix reads the rows by their owner column (or the INSERT policy\'s check of the requester); where neither exists, a SELECT policy would open every row, and the finding is info without SQL.',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      for (const role of apiRoles(ctx)) {
        if (!privs(r, role).includes('INSERT') || !schemaUsage(ctx, r.schema, role)) continue;
        // an INSERT policy that ties the new row to the requester's id admits nothing to the anonymous role
        const anonymous = role === ctx.roles.anonymous;
        const inserts = r.policies.filter(
          (p) => p.permissive && covers(p, 'insert') && applies(ctx, p, role) && !(anonymous && ownRowColumns(effectiveCheck(p), r.name, routinesOf(ctx), { subjectOnly: true })),
        );
        if (!inserts.length) continue;
        if (r.policies.some((p) => p.permissive && covers(p, 'select') && applies(ctx, p, role))) continue;
        // The SELECT policy to add must admit only the requester's rows: the owner column, or an
        // INSERT check that depends on the requester. Anything else (WITH CHECK (true)) would
        // open every row to every reader: then no fix is printed, and the finding is info.
        const own = ownerCondition(r) ?? inserts.map((p) => effectiveCheck(p)).find((c) => c !== null && !isAlwaysTrue(c) && referencesRequester(c, routinesOf(ctx)));
        const message = `${role} may insert into ${nameOf(r)} (${list(inserts.map((p) => `"${p.name}"`))}) but no SELECT policy applies to it: an insert that returns the row (Prefer: return=representation) fails with "new row violates row-level security policy"`;
        out.push(
          own
            ? finding(this, { object: nameOf(r), table: nameOf(r), message, fix: `CREATE POLICY ${ident(`${role} reads own rows`)} ON ${sqlName(r)} FOR SELECT TO ${ident(role)} USING (${own});` })
            : finding(this, {
                level: 'info',
                object: nameOf(r),
                table: nameOf(r),
                message: `${message}; no SELECT policy follows from the INSERT policy without opening every row (return=minimal inserts work)`,
                fix: `-- a SELECT policy on ${nameOf(r)} for ${role} that admits the rows it may read`,
              }),
        );
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const POLICY_CHECKS: readonly Check[] = [policyAlwaysTrue, permissiveTrueOverrides, tenantOredAway, policyToPublic, updateAllowsHandover, insertCheckIgnoresOwner, policyRecursion, insertWithoutSelect];
