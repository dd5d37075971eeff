/** Where a policy gets the requester's identity from: NULL identities, and values the client controls. */
import { ident } from '../../sql/index.js';
import { expr, nullIdentityDisjuncts, orSql, sources, type SourceKind } from '../expressions.js';
import type { PolicyFacts } from '../facts.js';
import type { Check, CheckContext } from '../types.js';
import { nameOf, sqlName, policyObject, list, covers, finding, forEachPolicy, policyApiRoles, routinesOf } from './_helpers.js';

/** Whether the policy's conditions read a value of that kind (helpers it calls followed). */
function reads(ctx: CheckContext, p: PolicyFacts, kind: SourceKind): boolean {
  return [p.using, p.check].some((e) => sources(expr(e), routinesOf(ctx)).some((s) => s.kind === kind));
}

export const policyUsesUserMetadata: Check = {
  id: 'policy_uses_user_metadata',
  level: 'error',
  title: 'Policy trusts claims the user can edit (user_metadata)',
  description: 'user_metadata is written by the end user (supabase.auth.updateUser({ data })): a policy that reads it lets users grant themselves access.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!reads(ctx, p, 'user_metadata')) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} reads user_metadata, which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write`,
        fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

export const policyUsesRequestHeaders: Check = {
  id: 'policy_uses_request_headers',
  level: 'error',
  title: 'Policy trusts request headers or cookies',
  description: 'request.headers and request.cookies are whatever the client sends: they are not identity. Use the verified JWT (auth.user_id(), auth.jwt()).',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!reads(ctx, p, 'request headers')) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} reads request headers or cookies, which the client sets to anything it likes: they are not identity; use the verified JWT (auth.user_id(), auth.jwt())`,
        fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

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

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const IDENTITY_CHECKS: readonly Check[] = [policyUsesUserMetadata, policyUsesRequestHeaders, nullIdentityDisjunct];
