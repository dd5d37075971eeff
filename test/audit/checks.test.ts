import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { CHECKS } from '../../src/audit/index.js';
import { forEachBackend } from '../helpers/backends.js';
import { auditAfter, of, problems } from './helpers.js';
import { SCENARIOS } from './scenarios.js';
import { EXPECTED } from './expected.js';

forEachBackend((backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options });
  });
  afterAll(() => db?.close());

  for (const s of SCENARIOS) {
    test(`${s.check}: flags the broken schema, not the correct one`, async () => {
      const bad = await auditAfter(db, s.bad, { schemas: ['bad'], apiRoles: s.apiRoles });
      const ok = await auditAfter(db, s.ok, { schemas: ['ok'], apiRoles: s.apiRoles });
      expect(of(bad, s.check)).toEqual(EXPECTED[s.check]);
      expect(of(ok, s.check)).toEqual([]);
      expect(problems(ok)).toEqual(s.okProblems ?? []);
    });
  }

  test('neon_superuser_database_grant: a database without the grant, and with it', async () => {
    const bad = await auditAfter(db, 'CREATE ROLE neon_superuser NOLOGIN', { schemas: ['public'] });
    expect(of(bad, 'neon_superuser_database_grant')).toEqual([
      {
        level: 'error',
        object: bad.database,
        message: `neon_superuser has no CREATE on database ${bad.database}: enabling the Data API fails with "Permission denied to create extension pg_session_jwt"`,
        fix: `GRANT ALL PRIVILEGES ON DATABASE "${bad.database}" TO neon_superuser;`,
      },
    ]);
    const ok = await auditAfter(db, `CREATE ROLE neon_superuser NOLOGIN; DO $$ BEGIN EXECUTE format('GRANT ALL PRIVILEGES ON DATABASE %I TO neon_superuser', current_database()); END $$`, { schemas: ['public'] });
    expect(of(ok, 'neon_superuser_database_grant')).toEqual([]);
    // Where the role does not exist (not Neon), there is nothing to grant.
    expect(of(await auditAfter(db, 'SELECT 1', { schemas: ['public'] }), 'neon_superuser_database_grant')).toEqual([]);
  });

  test('api_role_missing: an API role that does not exist', async () => {
    const bad = await auditAfter(db, 'SELECT 1', { schemas: ['public'], apiRoles: { anonymous: 'pgrls_no_such_role' } });
    expect(of(bad, 'api_role_missing')).toEqual([
      {
        level: 'warning',
        object: 'pgrls_no_such_role',
        message: 'role pgrls_no_such_role does not exist: the Data API cannot run anonymous requests (enable the Data API, or name the roles it uses)',
        fix: 'CREATE ROLE "pgrls_no_such_role" NOLOGIN;',
      },
    ]);
    expect(of(await auditAfter(db, 'SELECT 1', { schemas: ['public'] }), 'api_role_missing')).toEqual([]);
  });
});

test('every check has a scenario with a broken and a correct schema', () => {
  const tested = new Set([...SCENARIOS.map((s) => s.check), 'neon_superuser_database_grant', 'api_role_missing']);
  expect(CHECKS.map((c) => c.id).filter((id) => !tested.has(id))).toEqual([]);
  for (const s of SCENARIOS) expect((EXPECTED[s.check] ?? []).length, s.check).toBeGreaterThan(0);
});
