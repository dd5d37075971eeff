import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, keys, rows } from './_format.js';
import { asRows } from './_subjects.js';
import { condition, type Where } from '../src/internal.js';
import { describeRows, seenWithin } from '../src/internal.js';
import { Session } from '../src/internal.js';
import { requesterLabel } from '../src/internal.js';
import { InvalidSubjectError } from '../src/internal.js';

export interface SeeOnlyOptions {
  /** the part of the table looked at (column equality or a predicate); default the whole table */
  within?: Where;
}

/**
 * On `db.as(user)`: within the scope, the requester's SELECT returns exactly the rows of the set,
 * no more, no fewer (one round trip). The one-requester view of toBeVisibleOnlyTo.
 */
export async function toSeeOnly(this: MatcherContext, received: unknown, expected: unknown, options: SeeOnlyOptions = {}): Promise<MatcherResult> {
  if (!(received instanceof Session)) {
    throw new InvalidSubjectError(`toSeeOnly() expects db.as(requester), received ${received === null ? 'null' : typeof received}`);
  }
  const set = asRows(expected, 'toSeeOnly');
  if (options === null || typeof options !== 'object') throw new TypeError('toSeeOnly() options must be an object ({ within })');
  if (options.within !== undefined && typeof options.within !== 'string' && (typeof options.within !== 'object' || Array.isArray(options.within))) {
    throw new TypeError('toSeeOnly(): "within" must be a where object or an SQL predicate');
  }
  const target = await describeRows(set);
  if (options.within && typeof options.within === 'object') for (const c of Object.keys(options.within)) await target.engine.catalog.column(target.table, c);
  const scope = condition(options.within);
  const r = await seenWithin(target, received.requester, scope);
  const label = requesterLabel(received.requester);
  const id = (x: Record<string, unknown>) => JSON.stringify(x);
  const want = new Set(r.expected.map(id));
  const got = new Set(r.seen.map(id));
  const missing = r.expected.filter((x) => !got.has(id(x)));
  const extra = r.seen.filter((x) => !want.has(id(x)));
  const pass = missing.length === 0 && extra.length === 0;
  const scopeText = options.within === undefined ? target.table.qualifiedName : `${target.table.qualifiedName} where ${typeof options.within === 'string' ? options.within : Object.entries(options.within).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(' and ')}`;
  return {
    pass,
    message: () =>
      failure(this, 'toSeeOnly', 'requester', 'rows', {
        expected: `${label} ${this.isNot ? 'not ' : ''}to see exactly ${rows(r.expected.length)} (${target.description}) in ${scopeText}`,
        received: r.refused
          ? `refused by privileges: ${r.refused.message}`
          : [`sees ${rows(r.seen.length)}`, ...(extra.length ? [`more: ${keys(extra)}`] : []), ...(missing.length ? [`not: ${keys(missing)}`] : [])].join('; '),
        why: extra.length && !this.isNot ? [`use toBeVisibleOnlyTo(${label}) on the extra rows' set to see which policy admits them`] : undefined,
      }),
  };
}
