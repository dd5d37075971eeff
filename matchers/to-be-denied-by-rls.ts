import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, rows } from './_format.js';
import { asPending } from './_subjects.js';
import { qualified } from '../src/internal.js';

/**
 * Passes when the pending request (db.as(user).insert/update/delete/query) is refused with
 * 42501 (a policy or a missing privilege) or affects no row. A success fails it.
 */
export async function toBeDeniedByRls(this: MatcherContext, received: unknown): Promise<MatcherResult> {
  const request = asPending(received, 'toBeDeniedByRls');
  const o = await request.outcome();
  const what = `${request.kind}${request.table ? ` on ${request.table}` : ''} as ${request.requesterLabel}`;
  let pass: boolean;
  let result: string;
  let why: string[] | undefined;
  if (!o.ok) {
    pass = o.error.code === '42501';
    const by = /row-level security/i.test(o.error.message) ? 'refused by an RLS policy' : 'refused: no privilege on the table';
    result = pass ? `${by}: ${o.error.message}` : `failed for another reason: ${o.error.message} (${o.error.code})`;
    if (!pass) why = ['Only 42501 (a policy or a missing privilege) counts as denied: fix the request so that it fails for the reason under test.'];
  } else if (o.result.rowCount === 0) {
    pass = true;
    result = `affected 0 rows${request.kind === 'update' || request.kind === 'delete' ? ' (Postgres filters rows the policies hide: no error)' : ''}`;
  } else {
    pass = false;
    result = `succeeded: ${rows(o.result.rowCount)} ${request.kind === 'query' ? 'returned' : 'written'}`;
    const t = o.tableInfo;
    if (t && !t.rlsEnabled) why = [`Row level security is disabled on ${t.qualifiedName}.`];
  }
  const t = o.tableInfo;
  return {
    pass,
    message: () =>
      failure(this, 'toBeDeniedByRls', 'request', '', {
        expected: `the ${what} ${this.isNot ? 'to be allowed' : 'to be refused (42501) or to affect no row'}`,
        received: result,
        why,
        fix:
          !this.isNot && !o.ok ? undefined : !this.isNot && t && !t.rlsEnabled ? `ALTER TABLE ${qualified(t.schema, t.name)} ENABLE ROW LEVEL SECURITY;` : undefined,
      }),
  };
}
