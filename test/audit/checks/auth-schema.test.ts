/** Objects of the application in schema auth. Scenarios of src/audit/checks/auth-schema.ts. */
import { AUTH_SCHEMA_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex } from '../helpers.js';

describeChecks(AUTH_SCHEMA_CHECKS, [
  {
    check: 'auth_schema_foreign_object',
    bad: `${ex('bad')} CREATE TABLE auth.profiles (id text PRIMARY KEY);
      CREATE FUNCTION auth.is_admin() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT false $$;
      GRANT CREATE ON SCHEMA auth TO authenticated;`,
    ok: `${ex('ok')} CREATE TABLE ok.profiles (id text PRIMARY KEY); REVOKE ALL ON ok.profiles FROM authenticated;`,
    expected: [
      {
        level: 'error',
        object: 'auth',
        message: 'API role authenticated may create objects in schema auth: it could define functions that policies trust for identity',
        fix: 'REVOKE CREATE ON SCHEMA "auth" FROM PUBLIC, "authenticated";',
      },
      {
        level: 'warning',
        object: 'auth.is_admin()',
        message: "function auth.is_admin() (owner postgres) was not installed by the auth extension: schema auth is the auth provider's, keep application objects elsewhere",
        fix: 'ALTER FUNCTION "auth"."is_admin"() SET SCHEMA "public";',
      },
      {
        level: 'warning',
        object: 'auth.profiles',
        message: "table auth.profiles (owner postgres) was not installed by the auth extension: schema auth is the auth provider's, keep application objects elsewhere",
        fix: 'ALTER TABLE "auth"."profiles" SET SCHEMA "public";',
      },
    ],
  },
]);
