import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, list } from './_format.js';
import { asTableOrSchema } from './_subjects.js';
import { ENGINE, InvalidSubjectError, qualified, TableRef, type ObjectRef, type TableInfo } from '../src/internal.js';

export interface RlsEnabledOptions {
  /** also require FORCE ROW LEVEL SECURITY (so the table owner is subject to policies too) */
  forced?: boolean;
}

/**
 * Passes when row level security is on for the table (and forced, when asked); on
 * `db.schema(name)`, when it is on for every table of the schema.
 */
export async function toHaveRlsEnabled(this: MatcherContext, received: unknown, options: RlsEnabledOptions = {}): Promise<MatcherResult> {
  const ref = asTableOrSchema(received, 'toHaveRlsEnabled');
  if (options === null || typeof options !== 'object') throw new TypeError('toHaveRlsEnabled() takes an options object ({ forced: true })');
  if (!(ref instanceof TableRef)) return schemaRls.call(this, ref, options);
  const t = await ref.info();
  const pass = t.rlsEnabled && (!options.forced || t.rlsForced);
  const want = options.forced ? 'enabled and forced' : 'enabled';
  const name = qualified(t.schema, t.name);
  return {
    pass,
    message: () =>
      failure(this, 'toHaveRlsEnabled', 'table', options.forced ? '{ forced: true }' : '', {
        expected: `row level security ${this.isNot ? 'not ' : ''}${want} on ${t.qualifiedName}`,
        received: state(t),
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

function state(t: TableInfo): string {
  return t.rlsEnabled ? (t.rlsForced ? 'enabled and forced' : 'enabled, not forced') : 'disabled';
}

/** The schema-wide form (basejump's tests.rls_enabled(schema)): every table, each failing one named with its fix. */
async function schemaRls(this: MatcherContext, ref: ObjectRef<'schema'>, options: RlsEnabledOptions): Promise<MatcherResult> {
  const tables = await ref[ENGINE].catalog.tablesOf(ref.name);
  if (tables.length === 0) {
    throw new InvalidSubjectError(`toHaveRlsEnabled(): schema "${ref.name}" has no tables: a check over no tables proves nothing`, {
      hint: 'create the tables first (migrations or the sql option), or name the schema that holds them',
    });
  }
  const short = tables.filter((t) => !t.rlsEnabled || (options.forced && !t.rlsForced));
  const want = options.forced ? 'enabled and forced' : 'enabled';
  const of = `${short.length} of ${tables.length} table${tables.length === 1 ? '' : 's'}`;
  return {
    pass: short.length === 0,
    message: () =>
      failure(this, 'toHaveRlsEnabled', 'schema', options.forced ? '{ forced: true }' : '', {
        expected: this.isNot ? `some table of schema ${ref.name} without row level security ${want}` : `row level security ${want} on every table of schema ${ref.name}`,
        received: this.isNot
          ? `all ${tables.length} table${tables.length === 1 ? ' has' : 's have'} it ${want}`
          : `not ${want} on ${of}: ${list(short.map((t) => (options.forced ? `${t.qualifiedName} (${state(t)})` : t.qualifiedName)))}`,
        why: this.isNot
          ? undefined
          : short.filter((t) => t.parent && !t.rlsEnabled).map((t) => `${t.qualifiedName} is a partition of ${t.parent}: it can be queried directly, with its own setting`),
        fix: this.isNot
          ? undefined
          : short.flatMap((t) => {
              const name = qualified(t.schema, t.name);
              return [...(t.rlsEnabled ? [] : [`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;`]), ...(options.forced && !t.rlsForced ? [`ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;`] : [])];
            }),
      }),
  };
}
