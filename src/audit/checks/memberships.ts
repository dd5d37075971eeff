/** Membership tables (a user, an organisation, a role): who may add a membership, and change one. */
import { ident } from '../../sql/index.js';
import { effectiveCheck, expr, orTerms, ownerColumns, readsColumnThrough, rowColumns, TENANT_COLUMNS, verifiedColumns } from '../expressions.js';
import type { PolicyFacts, RelationFacts } from '../facts.js';
import type { Node } from '../../sql/parse.js';
import type { Check, CheckContext, Finding } from '../types.js';
import { ROLE_COLUMNS, apiRoles, finding, isTable, nameOf, policiesFor, policyObject, reaches, routinesOf, sqlName, triggerGuards } from './_helpers.js';

const GROUP_COLUMNS = new Set([...TENANT_COLUMNS, 'group_id', 'project_id', 'board_id', 'channel_id', 'space_id']);
const USER_COLUMNS = new Set(['user_id', 'member_id', 'profile_id', 'account_user_id']);
const MEMBERSHIP_WORDS = new Set(['member', 'members', 'membership', 'memberships', 'participant', 'participants', 'collaborator', 'collaborators', 'seat', 'seats']);

interface Membership {
  /** the member */
  user: string;
  /** the organisation (team, workspace ...) */
  group: string;
  /** their role in it, when the table records one */
  role?: string;
}

/** The columns of a membership table, or undefined when the table does not hold memberships. */
export function membership(ctx: CheckContext, r: RelationFacts): Membership | undefined {
  const rs = routinesOf(ctx);
  const owners = r.policies.flatMap((p) => [...ownerColumns(p.using, r.name, rs), ...ownerColumns(p.check, r.name, rs)]);
  // the member is a user id (an invitation keyed by email is not a membership yet)
  const user = owners.find((c) => !GROUP_COLUMNS.has(c) && (USER_COLUMNS.has(c) || c === 'id' || c.endsWith('_id'))) ?? r.columns.find((c) => USER_COLUMNS.has(c.name))?.name;
  const group = r.columns.find((c) => GROUP_COLUMNS.has(c.name) && c.name !== user)?.name;
  const role = r.columns.find((c) => ROLE_COLUMNS.has(c.name))?.name;
  if (!user || !group) return undefined;
  const words = r.name.toLowerCase().split('_');
  const named = words.some((w) => MEMBERSHIP_WORDS.has(w)) || r.name.endsWith('_user') || r.name.endsWith('_users') || r.name.startsWith('users_on');
  return role || named ? { user, group, role } : undefined;
}

/**
 * Whether a term admits by the requester's role in the organisation: it reads the membership's
 * role (`role = 'admin'` on the row, a sub-select or a helper that filters on it). Such a term is
 * the administrators' way in; any other lets every member (or the user themselves) through.
 * A helper with an optional role filter counts as privileged whatever it is called with: a
 * missed finding rather than a false one.
 */
function privileged(m: Membership, term: Node, r: RelationFacts, ctx: CheckContext): boolean {
  return !!m.role && (rowColumns(term, r.name).has(m.role) || readsColumnThrough(term, r.name, m.role, routinesOf(ctx)));
}

/**
 * Why a term of a policy's new-row check lets a requester give themselves a membership, if it
 * does. On UPDATE only columns the role may update count (a column grant can keep them out).
 */
function selfServed(m: Membership, term: Node, r: RelationFacts, ctx: CheckContext, update: string | undefined): string | undefined {
  const rs = routinesOf(ctx);
  const writable = (c: string) => !update || !!r.columns.find((x) => x.name === c)?.update.includes(update);
  if (update && m.role && writable(m.role) && !privileged(m, term, r, ctx)) return `${m.role} is not pinned`;
  if (writable(m.group) && !verifiedColumns(term, r.name, rs).has(m.group)) return `${m.group} is not checked`;
  return undefined;
}

/**
 * The fix of a policy that lets users give themselves memberships: take it away. A check on the
 * new row cannot do it (`user_id = auth.uid()` still lets anyone join any organisation; the
 * inviter's rights are in other rows), so memberships are added through a function.
 */
export function dropMembershipPolicy(r: RelationFacts, p: PolicyFacts): string {
  return `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};  -- add and change memberships through a SECURITY DEFINER function that checks the requester's role in the organisation`;
}

export const membershipSelfPromotion: Check = {
  id: 'membership_self_promotion',
  level: 'warning',
  title: 'Users can add themselves to any organisation, or promote themselves',
  description: 'A table of memberships (a user column and an organisation or team column, with a role column or a membership-like name) whose INSERT policy lets a row in without checking the organisation against the requester\'s rights (`WITH CHECK (user_id = auth.uid())` only, or true): anyone joins any organisation, as any role. Or whose UPDATE policy lets members who are not administrators (the user on their own row, or every member of the organisation) write a row without pinning the role or the organisation: anyone makes themselves admin. A term that reads the membership\'s role (`role = \'admin\'`, a helper that filters on it) is the administrators\' way and is fine. Add members through a SECURITY DEFINER function that checks the inviter instead.',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      const m = membership(ctx, r);
      if (!m) continue;
      const reported = new Set<PolicyFacts>();
      for (const role of apiRoles(ctx)) {
        for (const cmd of ['insert', 'update'] as const) {
          if (!reaches(ctx, r, role, cmd === 'insert' ? 'INSERT' : 'UPDATE')) continue;
          const guarded = [m.group, ...(m.role ? [m.role] : [])].some((c) => triggerGuards(ctx, r, cmd, c));
          const restrictive = policiesFor(ctx, r, cmd, role, false).some((p) => orTerms(effectiveCheck(p)).every((t) => !selfServed(m, t, r, ctx, cmd === 'update' ? role : undefined)));
          if (guarded || restrictive) continue;
          for (const p of policiesFor(ctx, r, cmd, role, true)) {
            if (reported.has(p)) continue;
            // UPDATE: only policies that let in more than the administrators (the user's own row,
            // every member); without USING, an UPDATE policy admits no existing row
            if (cmd === 'update' && (p.using === null || orTerms(p.using).every((t) => privileged(m, t, r, ctx)))) continue;
            const check = cmd === 'insert' ? (p.cmd === 'all' ? effectiveCheck(p) : p.check) : effectiveCheck(p);
            const terms = check === null ? [expr('true')!] : orTerms(check);
            const why = terms.map((t) => selfServed(m, t, r, ctx, cmd === 'update' ? role : undefined)).find((x) => x);
            if (!why) continue;
            reported.add(p);
            out.push(
              finding(this, {
                object: policyObject(r, p),
                table: nameOf(r),
                message:
                  cmd === 'insert'
                    ? `${nameOf(r)} holds memberships, and policy "${p.name}" lets ${role} insert one for any ${m.group}${m.role ? ` and ${m.role}` : ''} (${why} against the requester's rights): anyone adds themselves to any organisation${m.role ? ', as any role' : ''}`
                    : `${nameOf(r)} holds memberships, and policy "${p.name}" lets ${role} update memberships without being an administrator (${why}): a member ${m.role && why.startsWith(m.role) ? `gives themselves any ${m.role}` : `moves their membership to any ${m.group}`}`,
                fix: dropMembershipPolicy(r, p),
              }),
            );
          }
        }
      }
    }
    return out;
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const MEMBERSHIP_CHECKS: readonly Check[] = [membershipSelfPromotion];
