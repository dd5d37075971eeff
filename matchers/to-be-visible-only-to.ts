import type { MatcherContext, MatcherResult } from './_context.js';
import { counts, explainLeaks, explainMissing, names, requestersFor, type AmongOptions } from './_access.js';
import { failure, list, rows } from './_format.js';
import { asRequesters, asRows } from './_subjects.js';
import { resolveRows, visibility } from '../src/internal.js';

export type VisibleOnlyOptions = AmongOptions;

/**
 * Passes when the intended requesters (one, a list, or [] for nobody) each see all the rows,
 * and every other requester tried (every user of the database and anonymous, or `among`) sees none.
 */
export async function toBeVisibleOnlyTo(this: MatcherContext, received: unknown, requesters: unknown, options: VisibleOnlyOptions = {}): Promise<MatcherResult> {
  const set = asRows(received, 'toBeVisibleOnlyTo');
  const intended = asRequesters(requesters, 'toBeVisibleOnlyTo');
  if (options === null || typeof options !== 'object') throw new TypeError('toBeVisibleOnlyTo() options must be an object ({ among: [...] })');
  const target = await resolveRows(set);
  const tried = requestersFor(target, intended, options, 'toBeVisibleOnlyTo');
  const seen = await visibility(target, tried);
  const mine = seen.slice(0, intended.length);
  const others = seen.slice(intended.length);
  const missing = mine.filter((a) => a.count < target.size);
  const leaks = others.filter((a) => a.count > 0);
  const pass = missing.length === 0 && leaks.length === 0;
  const message = pass
    ? () =>
        failure(this, 'toBeVisibleOnlyTo', 'rows', names(intended), {
          expected: `${rows(target.size)} (${target.description}) not to be visible only to ${names(intended)}`,
          received: `visible to ${names(intended)} and to none of ${others.length ? list(others.map((o) => o.label)) : 'the others'}`,
        })
    : undefined;
  // Explanations cost extra queries: only when the assertion fails.
  const explanation = pass || this.isNot ? undefined : { leaks: await explainLeaks(target, leaks, 'select'), missing: await explainMissing(target, missing, 'select') };
  return {
    pass,
    message:
      message ??
      (() =>
        failure(this, 'toBeVisibleOnlyTo', 'rows', names(intended), {
          expected: `${rows(target.size)} (${target.description}) visible to ${names(intended)} and to no one else of ${tried.length} requesters`,
          received: [
            ...(leaks.length ? [`also visible to ${counts(leaks)}`] : []),
            ...(missing.length ? [`not fully visible to ${counts(missing)}`] : []),
          ].join('; '),
          why: [...explanation!.leaks.why, ...explanation!.missing.why],
          fix: [...explanation!.leaks.fix, ...explanation!.missing.fix],
        })),
  };
}
