import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asRole, roleArgument } from './_subjects.js';
import { isMemberOf } from '../src/internal.js';
import { ENGINE } from '../src/internal.js';
import { ident } from '../src/internal.js';

/** Passes when the role is a member of the group, directly or through other memberships. */
export async function toBeMemberOf(this: MatcherContext, received: unknown, group: unknown): Promise<MatcherResult> {
  const role = asRole(received, 'toBeMemberOf');
  const groupName = roleArgument(group, 'toBeMemberOf');
  const engine = role[ENGINE];
  await engine.catalog.role(role.name);
  await engine.catalog.role(groupName);
  const m = await isMemberOf(engine.backend, role.name, groupName);
  return {
    pass: m.member,
    message: () =>
      failure(this, 'toBeMemberOf', 'role', `'${groupName}'`, {
        expected: `${role.name} ${this.isNot ? 'not ' : ''}to be a member of ${groupName}`,
        received: m.member ? `member through ${[role.name, ...m.via].join(' → ')}` : 'not a member',
        why: this.isNot && m.member ? [`A member of ${groupName} has its privileges${groupName !== 'authenticated' ? ' and, if it owns tables, skips their row level security' : ''}.`] : undefined,
        fix: this.isNot
          ? `REVOKE ${ident(m.via[0] ?? groupName)} FROM ${ident(role.name)};`
          : `GRANT ${ident(groupName)} TO ${ident(role.name)};`,
      }),
  };
}
