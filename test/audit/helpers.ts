/**
 * Audit tests run each scenario's DDL inside a transaction on the test database's connection,
 * read the facts there and roll back: every scenario starts from the same database, and roles a
 * scenario creates (a BYPASSRLS API role, neon_superuser) never reach the shared server.
 */
import { ENGINE, type TestDatabase } from '../../src/internal.js';
import { evaluate, loadFacts, resolveAuditOptions, type AuditOptions, type AuditResult, type Finding } from '../../src/audit/index.js';

/** A schema as "Enable Data API" would leave it: USAGE for the API roles, default privileges for authenticated. */
export function exposedSchema(name: string, options: { defaults?: boolean } = {}): string {
  return [
    `CREATE SCHEMA ${name};`,
    `GRANT USAGE ON SCHEMA ${name} TO authenticated, anonymous;`,
    options.defaults === false ? '' : `ALTER DEFAULT PRIVILEGES IN SCHEMA ${name} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO authenticated;`,
  ].join('\n');
}

/** Runs `sql`, audits `options.schemas` (default ['bad']) and rolls everything back. */
export async function auditAfter(db: TestDatabase, sql: string, options: AuditOptions = {}): Promise<AuditResult> {
  const resolved = resolveAuditOptions({ schemas: ['bad'], ...options });
  const facts = await db[ENGINE].backend.exclusive(async (conn) => {
    await conn.exec(`BEGIN; ${sql}; SET LOCAL search_path TO ''`);
    try {
      return await loadFacts(conn, { schemas: resolved.schemas, apiRoles: [resolved.apiRoles.authenticated, resolved.apiRoles.anonymous] });
    } finally {
      await conn.exec('ROLLBACK');
    }
  });
  return evaluate(facts, resolved);
}

/** The findings of one check, without the `check` field (it is the same for all). */
export function of(result: AuditResult, check: string): Omit<Finding, 'check'>[] {
  return result.findings.filter((f) => f.check === check).map(({ check: _c, ...rest }) => rest);
}

/** Error and warning findings: what a correct schema must not have. */
export function problems(result: AuditResult): string[] {
  return result.findings.filter((f) => f.level !== 'info').map((f) => `${f.check} ${f.object}`);
}
