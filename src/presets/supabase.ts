/**
 * The Supabase preset: roles anon, authenticated and service_role (BYPASSRLS, so the preflight
 * refuses to run requests as it), the auth.* helpers as Supabase defines them (reading
 * request.jwt.claim.<x> first, then request.jwt.claims), and Supabase's default grants: ALL on
 * tables to anon and authenticated, which is why every exposed table needs RLS.
 */
import { createRolesSql, type Preset } from './neon.js';

export const SUPABASE_AUTH_SQL = `
DO $pgrls$ BEGIN
  ALTER ROLE service_role BYPASSRLS;
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $pgrls$;
CREATE SCHEMA IF NOT EXISTS auth;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''), nullif(current_setting('request.jwt.claims', true), ''))::jsonb $$;

-- As in Supabase: a sub that is not a uuid raises (invalid input syntax for type uuid).
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''), auth.jwt() ->> 'sub')::uuid $$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''), auth.jwt() ->> 'role')::text $$;

CREATE OR REPLACE FUNCTION auth.email() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claim.email', true), ''), auth.jwt() ->> 'email')::text $$;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role;
`;

export const SUPABASE_GRANTS_SQL = `
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL TABLES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO anon, authenticated, service_role;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
`;

export const supabasePreset: Preset = {
  name: 'supabase',
  authenticatedRole: 'authenticated',
  anonymousRole: 'anon',
  identity: 'auth.uid()',
  setupSql: (o) =>
    [createRolesSql(['anon', 'authenticated', 'service_role']), SUPABASE_AUTH_SQL, o.grantPublicSchemaAccess ? SUPABASE_GRANTS_SQL : ''].join('\n'),
};
