import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asTable } from './_subjects.js';
import { qualified } from '../src/internal.js';

export interface RlsEnabledOptions {
  /** also require FORCE ROW LEVEL SECURITY (so the table owner is subject to policies too) */
  forced?: boolean;
}

/** Passes when row level security is on for the table (and forced, when asked). */
export async function toHaveRlsEnabled(this: MatcherContext, received: unknown, options: RlsEnabledOptions = {}): Promise<MatcherResult> {
  const ref = asTable(received, 'toHaveRlsEnabled');
  if (options === null || typeof options !== 'object') throw new TypeError('toHaveRlsEnabled() takes an options object ({ forced: true })');
  const t = await ref.info();
  const pass = t.rlsEnabled && (!options.forced || t.rlsForced);
  const want = options.forced ? 'enabled and forced' : 'enabled';
  const name = qualified(t.schema, t.name);
  return {
    pass,
    message: () =>
      failure(this, 'toHaveRlsEnabled', 'table', options.forced ? '{ forced: true }' : '', {
        expected: `row level security ${this.isNot ? 'not ' : ''}${want} on ${t.qualifiedName}`,
        received: t.rlsEnabled ? (t.rlsForced ? 'enabled and forced' : 'enabled, not forced') : 'disabled',
        why:
          t.kind === 'v' || t.kind === 'm'
            ? [`${t.qualifiedName} is a ${t.kind === 'v' ? 'view' : 'materialized view'}: row level security applies to the tables it reads`]
            : t.parent && !t.rlsEnabled && !this.isNot
              ? [`${t.qualifiedName} is a partition of ${t.parent}: queries through the parent use the parent's policies, but the partition itself can be queried directly, with its own setting`]
              : undefined,
        fix: this.isNot
          ? options.forced
            ? `ALTER TABLE ${name} NO FORCE ROW LEVEL SECURITY;`
            : `ALTER TABLE ${name} DISABLE ROW LEVEL SECURITY;`
          : [...(t.rlsEnabled ? [] : [`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;`]), ...(options.forced && !t.rlsForced ? [`ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;`] : [])],
      }),
  };
}
