import type { MatcherContext, MatcherResult } from './_context.js';
import { counts, explainLeaks, explainMissing, names, requestersFor, type AmongOptions } from './_access.js';
import { failure, list, rows } from './_format.js';
import { asRequesters, asRows } from './_subjects.js';
import { appliesTo, canReassign, identify, RequestFailedError, resolveRows, subjectFor, writability, type Access, type RowTarget, type WriteCommand } from '../src/internal.js';
import { User, requesterLabel, type Requester } from '../src/internal.js';
import { ident, qualified } from '../src/internal.js';
import { ownerConditionFor } from './_owner.js';

/** WITH CHECK (owner condition) on each permissive UPDATE policy that lets the owners update. */
async function handoverFix(target: RowTarget, owners: Requester[], column: string): Promise<string[]> {
  const { engine, table } = target;
  const cond = (await ownerConditionFor(engine, table, column))!;
  const name = qualified(table.schema, table.name);
  const policies = new Set<string>();
  for (const r of owners) {
    const role = await identify(engine, r).then((id) => id.role, () => engine.preset.authenticatedRole);
    const roles = await engine.catalog.rolesOf(role);
    for (const p of await engine.catalog.policies(table)) if (p.permissive && appliesTo(p, roles, 'update')) policies.add(p.name);
  }
  return policies.size
    ? [...policies].map((p) => `ALTER POLICY ${ident(p)} ON ${name} WITH CHECK (${cond});`)
    : [`-- the UPDATE policy needs WITH CHECK (${cond})`];
}

export interface WritableOnlyOptions extends AmongOptions {
  /** which writes are tried (default both) */
  commands?: WriteCommand[];
  /** the column that names the row's owner: also check that the owner cannot hand the row to another user */
  ownerColumn?: string;
}

/**
 * Passes when UPDATE (a no-op assignment) and DELETE by the intended requesters affect all the
 * rows, and by anyone else tried affect none; each attempt in a rolled-back transaction.
 */
export async function toBeWritableOnlyBy(this: MatcherContext, received: unknown, requesters: unknown, options: WritableOnlyOptions = {}): Promise<MatcherResult> {
  const set = asRows(received, 'toBeWritableOnlyBy');
  const intended = asRequesters(requesters, 'toBeWritableOnlyBy');
  if (options === null || typeof options !== 'object') throw new TypeError('toBeWritableOnlyBy() options must be an object');
  const commands = options.commands ?? ['update', 'delete'];
  if (!Array.isArray(commands) || commands.length === 0 || !commands.every((c) => c === 'update' || c === 'delete')) {
    throw new TypeError(`toBeWritableOnlyBy(): "commands" must be a non-empty list of 'update' and 'delete', got ${JSON.stringify(options.commands)}`);
  }
  if (options.ownerColumn !== undefined && typeof options.ownerColumn !== 'string') throw new TypeError('toBeWritableOnlyBy(): "ownerColumn" must be a column name');
  const target = await resolveRows(set);
  const tried = requestersFor(target, intended, options, 'toBeWritableOnlyBy');
  const results: { command: WriteCommand; missing: Access[]; leaks: Access[] }[] = [];
  for (const command of commands) {
    const acc = await writability(target, tried, command);
    results.push({ command, missing: acc.slice(0, intended.length).filter((a) => a.count < target.size), leaks: acc.slice(intended.length).filter((a) => a.count > 0) });
  }
  // Handing a row to someone else: an UPDATE policy without WITH CHECK lets the owner do it.
  const handovers: string[] = [];
  if (options.ownerColumn && commands.includes('update')) {
    const column = options.ownerColumn;
    const other = tried.slice(intended.length).find((r): r is User => r instanceof User && r.sub !== null);
    // No other user (none created, or `vitest -t` skipped the test that made one): a made-up
    // subject, so that the check never depends on which tests ran before.
    const recipient = other ? { label: `${other.name}'s id`, sub: other.sub! } : { label: 'a made-up user id', sub: subjectFor('pg-rls-test: someone else') };
    for (const r of intended) {
      const n = await canReassign(target, r, column, recipient.sub).catch((e: unknown) => {
        if (other || !(e instanceof RequestFailedError) || e.sqlState !== '23503') throw e;
        throw new RequestFailedError(`toBeWritableOnlyBy(): handing ${target.description} to a made-up user id (${column}) as ${requesterLabel(r)}`, e.cause as { code: string; message: string }, `no other user with a sub was tried, and a made-up id breaks the foreign key on ${column}: create another user (db.user('bob')) or list one in "among", so that the owner can be checked against a real one`);
      });
      if (n > 0) handovers.push(`${requesterLabel(r)} can set ${column} to ${recipient.label} on ${rows(n)} (the UPDATE policy has no WITH CHECK, or one that does not check the owner)`);
    }
  }
  const pass = results.every((r) => r.missing.length === 0 && r.leaks.length === 0) && handovers.length === 0;
  const why: string[] = [];
  const fix: string[] = [];
  if (!pass && !this.isNot) {
    for (const r of results) {
      const l = await explainLeaks(target, r.leaks, r.command);
      const m = await explainMissing(target, r.missing, r.command);
      why.push(...l.why, ...m.why);
      fix.push(...l.fix, ...m.fix);
    }
    why.push(...handovers);
    if (handovers.length) fix.push(...(await handoverFix(target, intended, options.ownerColumn!)));
  }
  return {
    pass,
    message: () =>
      failure(this, 'toBeWritableOnlyBy', 'rows', names(intended), {
        expected: `${rows(target.size)} (${target.description}) ${this.isNot ? 'not ' : ''}writable (${commands.join(', ')}) only by ${names(intended)}, of ${tried.length} requesters`,
        received: pass
          ? `only ${names(intended)} could ${list(commands)} them`
          : results
              .flatMap((r) => [
                ...(r.leaks.length ? [`${r.command} also affects rows as ${counts(r.leaks)}`] : []),
                ...(r.missing.length ? [`${r.command} by ${counts(r.missing)} of ${target.size}`] : []),
              ])
              .concat(handovers.length ? ['the rows can be handed to another user'] : [])
              .join('; '),
        why,
        fix: [...new Set(fix)],
      }),
  };
}
