/** The API roles themselves, and Neon's neon_superuser grant. Scenarios of src/audit/checks/roles.ts. */
import { ROLE_CHECKS } from '../../../src/audit/checks/index.js';
import { expect } from 'vitest';
import { auditAfter, describeChecks, exposedSchema as ex, of, own, posts } from '../helpers.js';

describeChecks(ROLE_CHECKS, [
  {
    check: 'neon_superuser_database_grant',
    title: 'a database without the grant, and with it',
    async run(db) {
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
    },
  },
  {
    check: 'api_role_bypasses_rls',
    bad: `CREATE ROLE pgrls_audit_super NOLOGIN SUPERUSER; CREATE ROLE pgrls_audit_bypass NOLOGIN BYPASSRLS; ${ex('bad')}`,
    ok: `CREATE ROLE pgrls_audit_super NOLOGIN; CREATE ROLE pgrls_audit_bypass NOLOGIN; ${ex('ok')}`,
    apiRoles: { authenticated: 'pgrls_audit_super', anonymous: 'pgrls_audit_bypass' },
    expected: [
      {
        level: 'error',
        object: 'pgrls_audit_bypass',
        message: 'API role pgrls_audit_bypass is marked BYPASSRLS: row level security does not apply to it, so its requests see and change every row',
        fix: 'ALTER ROLE "pgrls_audit_bypass" NOBYPASSRLS;',
      },
      {
        level: 'error',
        object: 'pgrls_audit_super',
        message: 'API role pgrls_audit_super is a superuser: row level security does not apply to it, so its requests see and change every row',
        fix: 'ALTER ROLE "pgrls_audit_super" NOSUPERUSER;',
      },
    ],
  },
  {
    check: 'api_role_owns_table',
    bad: `CREATE ROLE pgrls_audit_owner NOLOGIN; CREATE ROLE pgrls_audit_api NOLOGIN; GRANT pgrls_audit_owner TO pgrls_audit_api;
      ${ex('bad')} GRANT USAGE ON SCHEMA bad TO pgrls_audit_api;
      ${posts('bad')} ALTER TABLE bad.posts OWNER TO pgrls_audit_owner;
      CREATE TABLE bad.own (id int); ALTER TABLE bad.own ENABLE ROW LEVEL SECURITY; ALTER TABLE bad.own OWNER TO pgrls_audit_api;`,
    // FORCEd: the owner's members are held to the policies (they keep the owner's privileges, TRUNCATE included).
    ok: `CREATE ROLE pgrls_audit_owner NOLOGIN; CREATE ROLE pgrls_audit_api NOLOGIN; GRANT pgrls_audit_owner TO pgrls_audit_api;
      ${ex('ok')} GRANT USAGE ON SCHEMA ok TO pgrls_audit_api;
      ${posts('ok', own('ok'))} ALTER TABLE ok.posts OWNER TO pgrls_audit_owner; ALTER TABLE ok.posts FORCE ROW LEVEL SECURITY;`,
    okProblems: ['references_trigger_granted ok.posts', 'truncate_granted ok.posts'],
    apiRoles: { authenticated: 'pgrls_audit_api' },
    expected: [
      {
        level: 'error',
        object: 'bad.own',
        table: 'bad.own',
        message: "API role pgrls_audit_api owns bad.own, which is not FORCEd: the owner skips its policies, so pgrls_audit_api's requests see and change every row",
        fix: 'ALTER TABLE "bad"."own" FORCE ROW LEVEL SECURITY;',
      },
      {
        level: 'error',
        object: 'bad.posts',
        table: 'bad.posts',
        message: "API role pgrls_audit_api is a member of pgrls_audit_owner, which owns bad.posts (not FORCEd): it skips the table's policies, so its requests see and change every row",
        fix: 'REVOKE "pgrls_audit_owner" FROM "pgrls_audit_api";',
      },
    ],
  },
  {
    check: 'login_role_owns_table',
    bad: `CREATE ROLE pgrls_app_owner LOGIN; ${ex('bad')} ${posts('bad', own('bad'))} ALTER TABLE bad.posts OWNER TO pgrls_app_owner;
      ${posts('bad', own('bad')).replace(/posts/g, 'drafts')} ALTER TABLE bad.drafts OWNER TO pgrls_app_owner;`,
    // FORCEd, and a table owned by a role that cannot log in (a migration role): policies hold for every connection
    ok: `CREATE ROLE pgrls_app_owner LOGIN; CREATE ROLE pgrls_migrator NOLOGIN; ${ex('ok')}
      ALTER DEFAULT PRIVILEGES FOR ROLE pgrls_app_owner, pgrls_migrator IN SCHEMA ok GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO authenticated;
      ${posts('ok', own('ok'))} ALTER TABLE ok.posts OWNER TO pgrls_app_owner; ALTER TABLE ok.posts FORCE ROW LEVEL SECURITY;
      ${posts('ok', own('ok')).replace(/posts/g, 'drafts')} ALTER TABLE ok.drafts OWNER TO pgrls_migrator;`,
    expected: [
      {
        level: 'warning',
        object: 'pgrls_app_owner',
        message: "role pgrls_app_owner can log in and owns bad.drafts and bad.posts, which have row level security but not FORCEd: a connection as pgrls_app_owner (an application's own, a script's) skips their policies and sees and changes every row",
        fix: 'ALTER TABLE "bad"."drafts" FORCE ROW LEVEL SECURITY;\nALTER TABLE "bad"."posts" FORCE ROW LEVEL SECURITY;',
      },
    ],
  },
  {
    check: 'api_role_missing',
    title: 'an API role that does not exist',
    async run(db) {
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
    },
  },
]);
