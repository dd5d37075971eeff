/** Where a policy gets the requester's identity from: NULL identities, and values the client controls. */
import { ident } from '../../sql/index.js';
import { deparse } from '../../sql/parse.js';
import {
  equalsIdentity,
  expr,
  identityComparisons,
  jwtClaim,
  nullColumnDisjuncts,
  nullIdentityDisjuncts,
  nullTestedColumn,
  orSql,
  orTerms,
  ownerColumns,
  replaceSql,
  sources,
  type Source,
  type SourceKind,
} from '../expressions.js';
import type { PolicyCmd, PolicyFacts, RelationFacts } from '../facts.js';
import type { Check, CheckContext, Finding } from '../types.js';
import { CMD_PRIV, nameOf, sqlName, policyObject, list, covers, finding, forEachPolicy, isTable, policyApiRoles, reaches, routinesOf } from './_helpers.js';

/** What the policy's conditions read of that kind (helpers it calls followed). */
function reads(ctx: CheckContext, p: PolicyFacts, kind: SourceKind): Source[] {
  return [p.using, p.check].flatMap((e) => sources(expr(e), routinesOf(ctx)).filter((s) => s.kind === kind));
}

/** ` (through private.is_admin())` when read through helpers. */
function through(found: Source[]): string {
  const via = [...new Set(found.filter((s) => s.via.length).map((s) => s.via.join(' → ')))];
  return via.length ? ` (through ${list(via)})` : '';
}

/** API roles the policy applies to that can send one of its commands to the table. */
function reachingRoles(ctx: CheckContext, r: RelationFacts, p: PolicyFacts, cmds: Exclude<PolicyCmd, 'all'>[] = p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd as Exclude<PolicyCmd, 'all'>]): string[] {
  return policyApiRoles(ctx, p).filter((role) => cmds.some((c) => reaches(ctx, r, role, CMD_PRIV[c])));
}

/** "anonymous requests and tokens without sub" / "tokens without sub" */
function withoutIdentity(ctx: CheckContext, roles: string[]): string {
  return roles.includes(ctx.roles.anonymous) ? 'anonymous requests and tokens without sub' : 'tokens without sub';
}

/** A check for policies that read a value of that kind, which the client controls: the fix drops them. */
function trustCheck(id: string, title: string, description: string, kind: SourceKind, what: string, why: string): Check {
  return {
    id,
    level: 'error',
    title,
    description,
    run(ctx) {
      return forEachPolicy(ctx, (r, p) => {
        const found = reads(ctx, p, kind);
        if (!found.length) return undefined;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} reads ${what}${through(found)}, ${why}`,
          fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
        });
      });
    },
  };
}

export const policyUsesUserMetadata = trustCheck(
  'policy_uses_user_metadata',
  'Policy trusts claims the user can edit (user_metadata)',
  'user_metadata is written by the end user (supabase.auth.updateUser({ data })): a policy that reads it, directly (auth.jwt() -> \'user_metadata\', the request.jwt.claims setting, auth.users.raw_user_meta_data) or through a helper function it calls, lets users grant themselves access.',
  'user_metadata',
  'user_metadata',
  'which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write',
);

export const policyUsesRequestHeaders = trustCheck(
  'policy_uses_request_headers',
  'Policy trusts request headers or cookies',
  'request.headers, request.cookies and PostgREST\'s request.header.<name> settings are whatever the client sends: they are not identity, read directly or through a helper function. Use the verified JWT (auth.user_id(), auth.jwt()).',
  'request headers',
  'request headers or cookies',
  'which the client sets to anything it likes: they are not identity; use the verified JWT (auth.user_id(), auth.jwt())',
);

export const nullIdentityDisjunct: Check = {
  id: 'policy_true_without_identity',
  level: 'error',
  title: 'Policy is true when there is no identity',
  description: 'A read policy with a top-level `auth.user_id() IS NULL OR ...`: for anonymous requests and tokens without sub, auth.user_id() is NULL, so the policy admits every row.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'select')) return undefined;
      const bad = nullIdentityDisjuncts(p.using);
      const roles = policyApiRoles(ctx, p);
      if (!bad || !roles.length) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} is true whenever ${bad.call} is NULL (anonymous requests, tokens without sub): it admits every row to ${list(roles)} then`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} USING (${orSql(bad.rest)});`,
      });
    });
  },
};

export const policyUsesCustomSetting: Check = {
  id: 'policy_uses_custom_setting',
  level: 'error',
  title: 'Policy trusts a setting any role can set (app.tenant_id ...)',
  description: 'A custom setting (current_setting(\'app.tenant_id\')) is not identity: every role may change it for its own session with set_config() or SET, so a policy that reads it, directly or through a helper function, admits whatever the requester sets. Put the value in the JWT and read it with auth.jwt(). The request.jwt.* settings the Data API fills from the verified token are fine.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      const found = reads(ctx, p, 'setting');
      if (!found.length || !r.rls) return undefined;
      const settings = [...new Set(found.map((s) => s.what))];
      // Read in the policy itself: the same condition with the claim of the same name from the JWT.
      const direct = found.filter((s) => !s.via.length);
      const claimOf = (s: Source) => s.what.slice(s.what.lastIndexOf('.') + 1, -2);
      const rewrite = (e: string | null) => {
        const own = direct.filter((s) => sources(expr(e), routinesOf(ctx)).some((x) => x.node === s.node));
        return own.length ? replaceSql(e!, new Map(own.map((s) => [s.node, jwtClaim(claimOf(s))]))) : e;
      };
      const fix =
        direct.length === found.length
          ? `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)}${p.using !== null ? ` USING (${rewrite(p.using)})` : ''}${p.check !== null ? ` WITH CHECK (${rewrite(p.check)})` : ''};`
          : `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} reads ${list(settings)}${through(found)}, a setting any role sets for itself with set_config() or SET: it is not identity; put the value in the JWT and read it with auth.jwt()`,
        fix,
      });
    });
  },
};

export const identityComparisonMatchesNull: Check = {
  id: 'identity_comparison_matches_null',
  level: 'error',
  title: 'Identity compared so that NULL matches NULL',
  description: 'A policy that compares the owner column with the identity NULL-safely (`user_id IS NOT DISTINCT FROM auth.uid()`, `coalesce(auth.user_id(), \'\') = coalesce(user_id, \'\')`) is true for a request without identity (anonymous, a token without sub) on every row whose owner is NULL. Plain `=` is never true with NULL. Not reported when the column is NOT NULL.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls) return undefined;
      const bad = [p.using, p.check].flatMap((e) => identityComparisons(expr(e), r.name, routinesOf(ctx)).filter((c) => c.nullMatching));
      const nullable = bad.filter((c) => !r.columns.find((col) => col.name === c.column)?.notNull);
      const roles = reachingRoles(ctx, r, p);
      if (!nullable.length || !roles.length) return undefined;
      const rewrite = (e: string | null) => {
        const mine = identityComparisons(expr(e), r.name, routinesOf(ctx)).filter((c) => c.nullMatching);
        return mine.length ? replaceSql(e!, new Map(mine.map((c) => [c.node, equalsIdentity(c.column, c.identity)]))) : e;
      };
      const cols = [...new Set(nullable.map((c) => c.column))];
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} compares ${list(cols)} with the identity so that NULL matches NULL (${deparse(nullable[0]!.node)}): for ${withoutIdentity(ctx, roles)} it admits every row whose ${list(cols)} is NULL`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)}${p.using !== null ? ` USING (${rewrite(p.using)})` : ''}${p.check !== null ? ` WITH CHECK (${rewrite(p.check)})` : ''};`,
      });
    });
  },
};

export const ownerlessRowsOpen: Check = {
  id: 'ownerless_rows_open',
  level: 'warning',
  title: 'Rows without an owner are open to everyone',
  description: 'A policy `USING (user_id IS NULL OR user_id = auth.uid())` on a table the Data API reaches admits the rows without an owner to every requester the policy applies to (usually unintended): a warning when they can only be read, an error when the policy also lets them be updated or deleted.',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      // the table's owner columns: those its policies compare with the requester
      const owners = new Set(r.policies.flatMap((p) => [...ownerColumns(p.using, r.name, routinesOf(ctx)), ...ownerColumns(p.check, r.name, routinesOf(ctx))]));
      for (const p of r.policies) {
        if (!p.permissive || p.cmd === 'insert') continue;
        const cols = nullColumnDisjuncts(p.using, r.name).filter((c) => owners.has(c) && !r.columns.find((col) => col.name === c)?.notNull);
        const roles = reachingRoles(ctx, r, p);
        if (!cols.length || !roles.length) continue;
        const writable = covers(p, 'update') || covers(p, 'delete');
        const rest = orTerms(p.using).filter((t) => !cols.includes(nullTestedColumn(t, r.name) ?? ''));
        out.push(
          finding(this, {
            level: writable ? 'error' : 'warning',
            object: policyObject(r, p),
            table: nameOf(r),
            message: `policy "${p.name}" on ${nameOf(r)} admits every row whose ${list(cols)} is NULL to ${list(roles)}: rows without an owner can be ${writable ? `${p.cmd === 'all' ? 'read, changed and deleted' : p.cmd === 'update' ? 'changed' : 'deleted'}` : 'read'} by every requester${writable ? '' : ' (if they are meant to be shared, waive this)'}`,
            fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} USING (${rest.length ? orSql(rest) : 'false'});`,
          }),
        );
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const IDENTITY_CHECKS: readonly Check[] = [policyUsesUserMetadata, policyUsesRequestHeaders, policyUsesCustomSetting, nullIdentityDisjunct, identityComparisonMatchesNull, ownerlessRowsOpen];
