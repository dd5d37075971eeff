import type { MatcherContext, MatcherResult } from './_context.js';
import { explainMissing, names } from './_access.js';
import { failure, rows } from './_format.js';
import { asRequesters, asRows } from './_subjects.js';
import { resolveRows, visibility } from '../src/internal.js';

/** Passes when each requester's SELECT returns all the rows. */
export async function toBeVisibleTo(this: MatcherContext, received: unknown, requesters: unknown): Promise<MatcherResult> {
  const set = asRows(received, 'toBeVisibleTo');
  const who = asRequesters(requesters, 'toBeVisibleTo');
  if (who.length === 0) throw new TypeError('toBeVisibleTo() needs at least one requester; for "nobody" use toBeVisibleOnlyTo([])');
  const target = await resolveRows(set);
  const seen = await visibility(target, who);
  const missing = seen.filter((a) => a.count < target.size);
  const pass = missing.length === 0;
  // explanations cost queries: only for a failure
  const { why, fix } = pass || this.isNot ? { why: [], fix: [] } : await explainMissing(target, missing, 'select');
  return {
    pass,
    message: () => {
      return failure(this, 'toBeVisibleTo', 'rows', names(who), {
        expected: `${rows(target.size)} (${target.description}) ${this.isNot ? 'not ' : ''}visible to ${names(who)}`,
        received: seen.map((a) => `${a.label} sees ${a.count === target.size ? 'all' : a.count}${a.refused ? ` (refused by ${a.refused.by})` : ''}`).join(', '),
        why: this.isNot ? undefined : why,
        fix: this.isNot ? undefined : fix,
      });
    },
  };
}
