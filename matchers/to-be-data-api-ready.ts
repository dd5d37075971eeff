import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asDatabase } from './_subjects.js';
import type { AuditOptions, Waiver } from '../src/audit/types.js';
import { groupByTable } from '../src/audit/format.js';

export interface DataApiReadyOptions {
  /** findings accepted on purpose: `[{ check: 'rls_enabled_no_policy', object: 'public.audit_log', reason: '...' }]` */
  ignore?: Waiver[];
  /** schemas to audit (default ['public']) */
  schemas?: string[];
}

/**
 * On the test database: the schema audit finds no error-level problem (warnings and info do not
 * fail it). The failure lists the errors grouped by table, each with the SQL that fixes it (tried
 * first in a rolled-back transaction: a fix that does not close its finding is printed as "a
 * starting point, not verified"), and the waived findings as waived.
 */
export async function toBeDataApiReady(this: MatcherContext, received: unknown, options: DataApiReadyOptions = {}): Promise<MatcherResult> {
  const db = asDatabase(received, 'toBeDataApiReady');
  if (options === null || typeof options !== 'object') throw new TypeError('toBeDataApiReady() takes an options object ({ ignore, schemas })');
  const auditOptions: AuditOptions = {};
  if (options.ignore !== undefined) auditOptions.ignore = options.ignore;
  if (options.schemas !== undefined) auditOptions.schemas = options.schemas;
  let result = await db.audit(auditOptions);
  // The failure prints the errors' fixes: each is tried first (applied in a rolled-back
  // transaction, audited again), and one that does not close its finding says so.
  if (!this.isNot && result.findings.some((f) => f.level === 'error')) result = await db.audit({ ...auditOptions, verifyFixes: ['error'] });
  const errors = result.findings.filter((f) => f.level === 'error');
  const others = result.findings.length - errors.length;
  const pass = errors.length === 0;
  const schemas = result.schemas.join(', ');
  return {
    pass,
    message: () => {
      const why: string[] = [];
      for (const [table, fs] of groupByTable(errors)) {
        why.push(table);
        for (const f of fs) why.push(`  ${f.check}: ${f.message}`, ...f.fix.split('\n').map((l) => `    ${l}`));
      }
      if (result.waived.length) {
        why.push('waived:');
        for (const f of result.waived) why.push(`  ${f.level} ${f.check} ${f.object}${f.reason ? `: ${f.reason}` : ''}`);
      }
      const args = options.ignore?.length ? `{ ignore: [${options.ignore.length} waiver${options.ignore.length === 1 ? '' : 's'}] }` : '';
      return failure(this, 'toBeDataApiReady', 'db', args, {
        expected: this.isNot ? `some error-level finding in the audit of schema ${schemas}` : `no error-level finding in the audit of schema ${schemas}`,
        received: errors.length
          ? `${errors.length} error${errors.length === 1 ? '' : 's'}${others ? ` (and ${others} warning or info finding${others === 1 ? '' : 's'}, which do not fail)` : ''}`
          : `no error${others ? ` (${others} warning or info finding${others === 1 ? '' : 's'}, which do not fail)` : ''}`,
        why: why.length ? why : undefined,
      });
    },
  };
}
