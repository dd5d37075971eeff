import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, rows } from './_format.js';
import { asPending } from './_subjects.js';
import { describePolicy } from './to-have-policy-for.js';
import { ownerConditionFor } from './_owner.js';
import { appliesTo, ENGINE, identify, ident, qualified, RequestFailedError, type PendingRequest, type PolicyCommand, type TableInfo } from '../src/internal.js';

/**
 * Passes when the pending request (db.as(user).insert/update/delete/query) is refused with
 * 42501 (a policy or a missing privilege) or affects no row. A success fails it; any other
 * error (a NOT NULL column left out, a foreign key) rejects with RequestFailedError, under .not too.
 *
 * Writes are judged as the Data API runs them by default (return=minimal: no RETURNING). With
 * RETURNING, Postgres would also demand the SELECT policy for the new row, and a forged insert
 * that the API accepts would look refused.
 */
export async function toBeDeniedByRls(this: MatcherContext, received: unknown): Promise<MatcherResult> {
  const request = asPending(received, 'toBeDeniedByRls');
  const o = await request.outcome();
  const what = `${request.kind}${request.table ? ` on ${request.table}` : ''} as ${request.requesterLabel}`;
  const t = o.tableInfo;
  let pass: boolean;
  let result: string;
  let why: string[] | undefined;
  let fix: string[] | undefined;
  if (!o.ok) {
    // Neither refused nor allowed: a broken request must not pass under .not either.
    if (o.error.code !== '42501') throw new RequestFailedError(`toBeDeniedByRls(): the ${what}`, o.error);
    pass = true;
    const by = /row-level security/i.test(o.error.message) ? 'refused by an RLS policy' : 'refused: no privilege on the table';
    result = `${by}: ${o.error.message}`;
  } else if (o.result.rowCount === 0) {
    pass = true;
    result = `affected 0 rows${request.kind === 'update' || request.kind === 'delete' ? ' (Postgres filters rows the policies hide: no error)' : ''}`;
  } else {
    pass = false;
    result = `succeeded: ${rows(o.result.rowCount)} ${request.kind === 'query' ? 'returned' : 'written'}`;
    if (!this.isNot && t && request.kind !== 'query') ({ why, fix } = await explainAccepted(request, t, o.returning));
  }
  return {
    pass,
    message: () =>
      failure(this, 'toBeDeniedByRls', 'request', '', {
        expected: `the ${what} ${this.isNot ? 'to be allowed' : 'to be refused (42501) or to affect no row'}`,
        received: result,
        why,
        fix,
      }),
  };
}

/** Why a write that should have been refused was accepted: RLS off, or the policies that let it through. */
async function explainAccepted(request: PendingRequest<unknown>, t: TableInfo, returning: boolean): Promise<{ why: string[]; fix: string[] }> {
  const name = qualified(t.schema, t.name);
  if (!t.rlsEnabled) return { why: [`Row level security is disabled on ${t.qualifiedName}.`], fix: [`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;`] };
  const engine = request[ENGINE];
  const command = request.kind as PolicyCommand;
  const role = await identify(engine, request.requester).then((id) => id.role);
  const roles = await engine.catalog.rolesOf(role);
  const admitting = (await engine.catalog.policies(t)).filter((p) => p.permissive && appliesTo(p, roles, command));
  const clause = command === 'insert' ? 'WITH CHECK' : 'USING';
  const why = [
    ...(request.kind === 'insert' && !returning
      ? ['The Data API accepts this POST as sent by default (return=minimal, no RETURNING): only the INSERT policies judge the new row, the SELECT policies do not.']
      : []),
    ...(admitting.length
      ? [`Permissive ${command.toUpperCase()} policies that apply to ${role}, any one of which lets the ${command} through:`, ...admitting.map((p) => `  ${describePolicy(p)}`)]
      : []),
  ];
  const cond = admitting.length ? await ownerConditionFor(engine, t) : undefined;
  const row = command === 'insert' ? 'new row' : 'row';
  const note = cond ? `only the owner's rows: check that it is false for this ${row} as ${request.requesterLabel}` : `a condition false for this ${row} as ${request.requesterLabel}`;
  const fix = admitting.map((p) => `ALTER POLICY ${ident(p.name)} ON ${name} ${clause} (${cond ?? '<condition>'});  -- ${note}`);
  return { why, fix };
}
