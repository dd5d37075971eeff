/**
 * Every printed fix, tried: a finding's fix is applied in a transaction that is rolled back, the
 * catalog is read again there and the audit re-run. The fix is verified when the finding is gone
 * and no new error or warning appeared on its table (or, for findings about no table, its
 * object); otherwise it is printed as "a starting point, not verified", with what went wrong. A
 * fix that closes nothing, or trades the finding for another, is worse than none.
 *
 * It writes (in a transaction, rolled back) and takes the locks its DDL takes, one finding at a
 * time: db.audit({ verifyFixes }) on a test database, `pg-rls-test audit --verify-fixes` on a live one.
 */
import type { Connection } from '../backends/types.js';
import { loadFacts } from './facts.js';
import type { AuditResult, Finding, Level } from './types.js';
import { evaluate, type ResolvedAuditOptions } from './index.js';

/** The label of a fix that did not pass: it says where to start, not what closes the finding. */
export const NOT_VERIFIED = 'a starting point, not verified';

/** What applying one finding's fix did. */
export interface FixOutcome {
  verified: boolean;
  /** why it is not verified */
  why?: string;
}

const keyOf = (f: Pick<Finding, 'check' | 'object'>): string => `${f.check}\u0000${f.object}`;
const unitOf = (f: Finding): string => f.table ?? f.object;

/**
 * The outcome of each fix of these findings (by check and object), tried one at a time on
 * `conn`; `inTransaction`: the connection is inside a transaction already (each fix then runs
 * in a savepoint, rolled back to).
 *
 * A new finding counts against a fix only when it stays once the other errors and warnings of
 * the same table are fixed too: fixing one of two open policies can reveal what the other one
 * allows (an owner column becomes known, and the other policy lets it be rewritten), which is
 * that policy's finding, not this fix's fault.
 */
export async function tryFixes(
  conn: Connection,
  options: ResolvedAuditOptions,
  before: AuditResult,
  findings: Finding[],
  { inTransaction = false }: { inTransaction?: boolean } = {},
): Promise<Map<string, FixOutcome>> {
  // what was there before, waived findings included: a finding that was waived is not new
  const everything = [...before.findings, ...before.waived];
  const seen = new Set(everything.map((f) => `${keyOf(f)}\u0000${f.level}`));
  const isNew = (g: Finding) => g.level !== 'info' && !seen.has(`${keyOf(g)}\u0000${g.level}`);
  // per table: what is new once this fix and the fixes of every error and warning there are applied
  const allFixed = new Map<string, Promise<Set<string>>>();
  const newWhenAllFixed = (f: Finding) => {
    const others = everything.filter((g) => g.level !== 'info' && unitOf(g) === unitOf(f));
    const cacheKey = others.some((g) => keyOf(g) === keyOf(f)) ? unitOf(f) : `${unitOf(f)}\u0000${keyOf(f)}`;
    let p = allFixed.get(cacheKey);
    if (!p) {
      const fixes = [f.fix, ...others.filter((g) => keyOf(g) !== keyOf(f)).map((g) => g.fix)];
      p = auditAfterFixes(conn, options, fixes, inTransaction, { skipFailing: true }).then((after) => new Set([...after.findings, ...after.waived].filter(isNew).map(keyOf)));
      allFixed.set(cacheKey, p);
    }
    return p;
  };
  const out = new Map<string, FixOutcome>();
  for (const f of findings) {
    let after: AuditResult;
    try {
      after = await auditAfterFixes(conn, options, [f.fix], inTransaction);
    } catch (e) {
      out.set(keyOf(f), { verified: false, why: `the fix fails: ${(e as Error).message}` });
      continue;
    }
    const all = [...after.findings, ...after.waived];
    const left = all.find((g) => keyOf(g) === keyOf(f));
    let brought = all.filter((g) => unitOf(g) === unitOf(f) && keyOf(g) !== keyOf(f) && isNew(g));
    if (!left && brought.length) {
      const stays = await newWhenAllFixed(f);
      brought = brought.filter((g) => stays.has(keyOf(g)));
    }
    if (left) out.set(keyOf(f), { verified: false, why: left.level === f.level ? 'applied, it leaves the finding' : `applied, it leaves the finding as ${left.level}` });
    else if (brought.length) out.set(keyOf(f), { verified: false, why: `applied, it brings ${brought.map((g) => `${g.level} ${g.check}${g.object === unitOf(f) ? '' : ` on ${g.object}`}`).join(', ')}` });
    else out.set(keyOf(f), { verified: true });
  }
  return out;
}

/**
 * The audit of the database as it would be after these fixes, which are rolled back. With
 * `skipFailing`, a fix that fails is left out (each runs in a savepoint of its own); without, it
 * throws.
 */
async function auditAfterFixes(conn: Connection, options: ResolvedAuditOptions, fixes: string[], inTransaction: boolean, { skipFailing = false } = {}): Promise<AuditResult> {
  // The fixes name every object with its schema (their expressions come from pg_get_expr with an
  // empty search_path), and the facts must be read with it empty.
  await conn.exec(inTransaction ? `SAVEPOINT pgrls_fix; SET LOCAL search_path TO ''` : `BEGIN; SET LOCAL search_path TO ''`);
  try {
    for (const fix of fixes) {
      if (!skipFailing) {
        await conn.exec(fix);
        continue;
      }
      await conn.exec('SAVEPOINT pgrls_one');
      try {
        await conn.exec(fix);
        await conn.exec('RELEASE SAVEPOINT pgrls_one');
      } catch {
        await conn.exec('ROLLBACK TO SAVEPOINT pgrls_one; RELEASE SAVEPOINT pgrls_one');
      }
    }
    const facts = await loadFacts(conn, { schemas: options.schemas, apiRoles: [options.apiRoles.authenticated, options.apiRoles.anonymous] });
    return evaluate(facts, { ...options, ignore: [] });
  } finally {
    await conn.exec(inTransaction ? 'ROLLBACK TO SAVEPOINT pgrls_fix; RELEASE SAVEPOINT pgrls_fix' : 'ROLLBACK').catch(() => undefined);
  }
}

/** The findings of these levels, whose fixes are tried. */
export function fixesToTry(result: AuditResult, levels: readonly Level[]): Finding[] {
  return result.findings.filter((f) => levels.includes(f.level));
}

/** The result with each tried fix marked (`fixVerified`), and labelled when it did not pass. */
export function withOutcomes(result: AuditResult, outcomes: ReadonlyMap<string, FixOutcome>): AuditResult {
  return {
    ...result,
    findings: result.findings.map((f) => {
      const o = outcomes.get(keyOf(f));
      if (!o) return f;
      return o.verified ? { ...f, fixVerified: true } : { ...f, fixVerified: false, fix: `-- ${NOT_VERIFIED} (${o.why})\n${f.fix}` };
    }),
  };
}

/** The audit's result with the fixes of these levels tried, one at a time, on `conn`. */
export async function verifyFixes(conn: Connection, options: ResolvedAuditOptions, result: AuditResult, levels: readonly Level[] = ['error', 'warning', 'info']): Promise<AuditResult> {
  return withOutcomes(result, await tryFixes(conn, options, result, fixesToTry(result, levels)));
}
