/** db.audit(): the audit on a test database's own connection, its facts cached with the catalog. */
import { assertNotInTransaction, type Engine } from '../session/engine.js';
import { touch } from '../coverage.js';
import { evaluate, readFacts, resolveAuditOptions } from './index.js';
import { withLocations } from './locations.js';
import type { AuditOptions, AuditResult } from './types.js';

export async function auditDatabase(engine: Engine, options: AuditOptions = {}): Promise<AuditResult> {
  engine.assertOpen('db.audit()');
  touch('all', 'db.audit()'); // the audit reads every object of the schemas
  assertNotInTransaction(engine, 'db.audit()');
  const resolved = resolveAuditOptions(options, { authenticated: engine.preset.authenticatedRole, anonymous: engine.preset.anonymousRole });
  const key = `audit:${JSON.stringify([resolved.schemas, resolved.apiRoles])}`;
  // The facts are dropped with the rest of the catalog cache when an owner statement writes.
  const facts = await engine.catalog.memo(key, () => engine.backend.exclusive((conn) => readFacts(conn, resolved)));
  const result = withLocations(evaluate(facts, resolved), engine.sources);
  if (!resolved.verifyFixes.length) return result;
  // Each fix tried once per state of the schema, like the facts (waivers do not change the outcomes).
  const { fixesToTry, tryFixes, withOutcomes } = await import('./verify.js');
  const tried = fixesToTry(result, resolved.verifyFixes);
  const outcomes = await engine.catalog.memo(`${key}:fixes:${resolved.verifyFixes.join()}:${JSON.stringify(tried.map((f) => [f.check, f.object]))}`, () =>
    engine.backend.exclusive((conn) => tryFixes(conn, resolved, evaluate(facts, { ...resolved, ignore: [] }), tried)),
  );
  return withOutcomes(result, outcomes);
}
