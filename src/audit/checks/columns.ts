/** Columns: the ones that decide access and that users can rewrite, and sensitive ones readable too widely. */
import { dependsOnRequester, effectiveCheck, expr, identityComparisons, isAlwaysFalse, orTerms, ownerColumns, readsColumn, rowColumns, TENANT_COLUMNS, trueForEveryUser } from '../expressions.js';
import type { PolicyFacts, RelationFacts } from '../facts.js';
import type { Check, CheckContext, Finding } from '../types.js';
import { ROLE_COLUMNS, apiRoles, columnGrantFix, finding, isTable, list, nameOf, policiesFor, reaches, routinesOf, triggerGuards } from './_helpers.js';

/** Column names that usually hold credentials or personal data (after splinter's sensitive_columns_exposed). */
const SENSITIVE_COLUMNS = new Set([
  'email', 'email_address', 'phone', 'phone_number', 'mobile', 'mobile_number',
  'password', 'passwd', 'password_hash', 'hashed_password', 'encrypted_password',
  'secret', 'secret_key', 'client_secret', 'private_key', 'api_key', 'apikey',
  'token', 'access_token', 'refresh_token', 'session_token', 'auth_token', 'otp',
  'ssn', 'social_security_number', 'tax_id', 'national_id', 'passport_number',
  'credit_card', 'card_number', 'cvv', 'iban', 'bank_account', 'routing_number',
]);

/**
 * Whether the column takes part in an access decision: a policy of its own table filters on it
 * (unless `elsewhere`), or a policy of another table or a function does, reading it from there.
 */
function decidesAccess(ctx: CheckContext, r: RelationFacts, column: string, elsewhere = false): boolean {
  if (!elsewhere && r.policies.some((p) => rowColumns(expr(p.using), r.name).has(column) || rowColumns(expr(p.check), r.name).has(column))) return true;
  const rs = routinesOf(ctx);
  return (
    ctx.facts.relations.some((o) => o !== r && o.policies.some((p) => readsColumn(expr(p.using), r.name, column) || readsColumn(expr(p.check), r.name, column))) ||
    ctx.facts.functions.some((f) => readsColumn(rs.body(f), r.name, column))
  );
}

export const accessColumnUpdatable: Check = {
  id: 'access_column_updatable',
  level: 'warning',
  title: 'Users can rewrite a column that decides access',
  description: 'UPDATE is granted (table-wide or on the column) on a column that decides access (a role such as role or is_admin that policies or helpers read, a tenant column such as org_id that the policies check, an owner column the policies compare with the requester), and no UPDATE policy\'s WITH CHECK (or a trigger) pins it: a user sets it to anything on the rows they may update, and promotes themselves or moves a row to another tenant. Fixed with a column-level GRANT that leaves it out.',
  run(ctx) {
    const out: Finding[] = [];
    const rs = routinesOf(ctx);
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      const owners = new Set(r.policies.flatMap((p) => [...ownerColumns(p.using, r.name, rs), ...ownerColumns(p.check, r.name, rs)]));
      for (const role of apiRoles(ctx)) {
        if (!reaches(ctx, r, role, 'UPDATE')) continue;
        // an UPDATE policy without USING admits no existing row
        const updates = policiesFor(ctx, r, 'update', role, true).filter((p) => p.using !== null && !isAlwaysFalse(p.using));
        if (!updates.length) continue;
        // an owner column the UPDATE policy itself checks in USING is update_allows_handover's
        const handover = new Set(updates.flatMap((p) => ownerColumns(p.using, r.name, rs)));
        const restrictive = policiesFor(ctx, r, 'update', role, false);
        const pins = (p: PolicyFacts, c: string) => rowColumns(expr(effectiveCheck(p)), r.name).has(c);
        const ownRow = (p: PolicyFacts) => orTerms(p.using).some((t) => identityComparisons(t, r.name, rs).length > 0);
        // A role column is a risk on the requester's own row (self-promotion): an administrators'
        // policy may set it. A tenant column on the requester's own row matters where something
        // else reads it (their organisation, for another table's policy); on a team's rows, moving
        // one to another tenant is the risk. An owner column, where the policy does not depend on
        // the requester at all.
        const loosens = (p: PolicyFacts, c: string) => {
          if (pins(p, c)) return false;
          if (ROLE_COLUMNS.has(c)) return ownRow(p) && decidesAccess(ctx, r, c);
          if (TENANT_COLUMNS.has(c)) return decidesAccess(ctx, r, c, ownRow(p));
          return owners.has(c) && !handover.has(c) && !dependsOnRequester(expr(p.using), rs);
        };
        const unpinned = r.columns.filter((c) => {
          if (!c.update.includes(role) || restrictive.some((p) => pins(p, c.name)) || triggerGuards(ctx, r, 'update', c.name)) return false;
          return updates.some((p) => loosens(p, c.name));
        });
        if (!unpinned.length) continue;
        const cols = unpinned.map((c) => c.name);
        const loose = updates.filter((p) => cols.some((c) => loosens(p, c)));
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `${role} may update ${list(cols)} of ${nameOf(r)}, which ${cols.length > 1 ? 'decide' : 'decides'} access, and ${list(loose.map((p) => `"${p.name}"`))} ${loose.length > 1 ? 'do' : 'does'} not pin the new value (WITH CHECK): a user sets ${cols.length > 1 ? 'them' : 'it'} to anything on the rows they may update (a role of their choosing, another tenant, another owner); grant UPDATE on the other columns only`,
            fix: columnGrantFix(r, role, 'UPDATE', cols),
          }),
        );
      }
    }
    return out;
  },
};

export const sensitiveColumnsExposed: Check = {
  id: 'sensitive_columns_exposed',
  level: 'warning',
  title: 'Sensitive columns readable by everyone',
  description: 'Columns named like email, phone, password, token, secret, api_key or ssn that the anonymous role can read (a SELECT policy for it that does not depend on who asks), or that every signed-in user can read (a SELECT policy that is true for all of them, such as USING (true)), on a table with row level security: splinter\'s sensitive_columns_exposed, extended to RLS tables whose policies are open. Fixed with a column-level GRANT that leaves them out.',
  run(ctx) {
    const out: Finding[] = [];
    const rs = routinesOf(ctx);
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      for (const role of apiRoles(ctx)) {
        const cols = r.columns.filter((c) => SENSITIVE_COLUMNS.has(c.name.toLowerCase()) && c.select.includes(role)).map((c) => c.name);
        if (!cols.length || !reaches(ctx, r, role, 'SELECT') || policiesFor(ctx, r, 'select', role, false).length) continue;
        const anonymous = role === ctx.roles.anonymous;
        const open = policiesFor(ctx, r, 'select', role, true).filter((p) =>
          anonymous ? !isAlwaysFalse(p.using) && !dependsOnRequester(expr(p.using), rs) : trueForEveryUser(p.using, rs),
        );
        if (!open.length) continue;
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `${list(cols)} of ${nameOf(r)} ${cols.length > 1 ? 'are' : 'is'} readable by ${anonymous ? `every anonymous request (${role})` : `every signed-in user (${role})`}: policy ${list(open.map((p) => `"${p.name}"`))} ${anonymous ? 'does not depend on who asks' : 'is true for all of them'}; grant SELECT on the other columns only, or narrow the policy`,
            fix: columnGrantFix(r, role, 'SELECT', cols),
          }),
        );
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const COLUMN_CHECKS: readonly Check[] = [accessColumnUpdatable, sensitiveColumnsExposed];
