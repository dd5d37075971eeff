/**
 * The Supabase preset: what a new Supabase project has before its own migrations run, so that
 * a `supabase/migrations` folder loads as it is.
 * - Roles anon, authenticated, service_role (BYPASSRLS, so the preflight refuses to run requests
 *   as it), and the service roles that own auth and storage (supabase_auth_admin,
 *   supabase_storage_admin).
 * - auth.uid()/role()/email()/jwt() as Supabase defines them (request.jwt.claim.<x> first, then
 *   request.jwt.claims); auth.users and auth.identities with the columns of a current project,
 *   owned by supabase_auth_admin, so `REFERENCES auth.users` and `on_auth_user_created` work.
 * - storage.buckets and storage.objects (RLS on, granted to the API roles, as in Supabase) and
 *   storage.foldername()/filename()/extension().
 * - Schema extensions with uuid-ossp and pgcrypto, on the search_path ("$user", public, extensions).
 * - Supabase's default grants: ALL on public's tables, sequences and functions to anon and
 *   authenticated, which is why every exposed table needs RLS.
 * Written from the shapes in supabase/postgres (init scripts), supabase/auth and supabase/storage.
 */
import type { Connection } from '../backends/types.js';
import { SUPABASE_APP_METADATA } from '../tokens/index.js';
import { createRolesSql, type Account, type Preset } from './neon.js';

const ROLES_SQL = `${createRolesSql(['anon', 'authenticated', 'service_role', 'supabase_auth_admin', 'supabase_storage_admin'])}
DO $pgrls$ BEGIN
  ALTER ROLE service_role BYPASSRLS;
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $pgrls$;`;

export const SUPABASE_AUTH_SQL = `
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

-- The columns of auth.users in a current project (supabase/auth migrations up to is_anonymous).
CREATE TABLE IF NOT EXISTS auth.users (
  instance_id uuid,
  id uuid NOT NULL PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text UNIQUE DEFAULT NULL,
  phone_confirmed_at timestamptz,
  phone_change text DEFAULT '',
  phone_change_token varchar(255) DEFAULT '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz GENERATED ALWAYS AS (least(email_confirmed_at, phone_confirmed_at)) STORED,
  email_change_token_current varchar(255) DEFAULT '',
  email_change_confirm_status smallint DEFAULT 0 CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) DEFAULT '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean NOT NULL DEFAULT false,
  deleted_at timestamptz,
  is_anonymous boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_partial_key ON auth.users (email) WHERE is_sso_user = false;
CREATE INDEX IF NOT EXISTS users_instance_id_idx ON auth.users (instance_id);

CREATE TABLE IF NOT EXISTS auth.identities (
  provider_id text NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  identity_data jsonb NOT NULL,
  provider text NOT NULL,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);

-- Supabase Auth owns its tables and writes them as supabase_auth_admin (no RLS, no API grants).
GRANT ALL ON SCHEMA auth TO supabase_auth_admin;
DO $pgrls$ BEGIN
  ALTER TABLE auth.users OWNER TO supabase_auth_admin;
  ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $pgrls$;
`;

export const SUPABASE_STORAGE_SQL = `
CREATE SCHEMA IF NOT EXISTS storage;
GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin;

CREATE TABLE IF NOT EXISTS storage.buckets (
  id text NOT NULL PRIMARY KEY,
  name text NOT NULL,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
CREATE UNIQUE INDEX IF NOT EXISTS bname ON storage.buckets (name);

CREATE TABLE IF NOT EXISTS storage.objects (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  owner_id text,
  user_metadata jsonb
);
CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;

-- 'a/b/c.png' -> {a,b}; the folders of an object's name.
CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[]
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $$;

-- 'a/b/c.png' -> 'c.png'
CREATE OR REPLACE FUNCTION storage.filename(name text) RETURNS text
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)] $$;

-- 'a/b/c.png' -> 'png' (the whole file name when it has no dot, as in Supabase)
CREATE OR REPLACE FUNCTION storage.extension(name text) RETURNS text
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT reverse(split_part(reverse(storage.filename(name)), '.', 1)) $$;

-- Supabase's storage grants: ALL on its tables to the API roles; row access is the policies'.
GRANT ALL ON ALL TABLES IN SCHEMA storage TO anon, authenticated, service_role;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA storage TO anon, authenticated, service_role;
DO $pgrls$ BEGIN
  ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
  ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
  -- what storage's own later tables grant (supabase/postgres init scripts)
  ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT ALL ON TABLES TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $pgrls$;
`;

/** The extensions a Supabase project has from the start, in schema extensions. */
export const SUPABASE_EXTENSIONS = ['uuid-ossp', 'pgcrypto'];

// Supabase puts extensions in their own schema and on everyone's search_path. A database-level
// setting reaches later connections (the url backend copies it to the working database); SET
// reaches the migrations that run on this one.
export const SUPABASE_EXTENSIONS_SQL = `
CREATE SCHEMA IF NOT EXISTS extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
${SUPABASE_EXTENSIONS.map((e) => `CREATE EXTENSION IF NOT EXISTS "${e}" WITH SCHEMA extensions;`).join('\n')}
DO $pgrls$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path TO "$user", public, extensions', current_database());
END $pgrls$;
SET search_path TO "$user", public, extensions;
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

/**
 * What Supabase Auth writes when a user signs up: their auth.users row, as supabase_auth_admin
 * with search_path auth (its connection's), so triggers on auth.users (on_auth_user_created)
 * run as they do in a project: a SECURITY INVOKER trigger function, or one that names tables
 * without their schema, fails here as it fails there ("Database error saving new user").
 */
const SIGN_UP_SQL = `INSERT INTO auth.users (instance_id, id, aud, role, email, phone, raw_user_meta_data, raw_app_meta_data,
    email_confirmed_at, phone_confirmed_at, created_at, updated_at, last_sign_in_at)
  SELECT '00000000-0000-0000-0000-000000000000', u.id, 'authenticated', 'authenticated', u.email, u.phone, u.user_metadata, u.app_metadata,
    now(), CASE WHEN u.phone IS NOT NULL THEN now() END, now(), now(), now()
  FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, email text, phone text, user_metadata jsonb, app_metadata jsonb)
  ON CONFLICT (id) DO NOTHING`;

async function signUp(conn: Connection, accounts: Account[]): Promise<void> {
  const rows = accounts.map((a) => ({ id: a.id, email: a.email, phone: a.phone, user_metadata: a.userMetadata, app_metadata: { ...SUPABASE_APP_METADATA, ...a.appMetadata } }));
  await conn.exec(`BEGIN; SET LOCAL ROLE supabase_auth_admin; SET LOCAL search_path TO auth`);
  try {
    await conn.query(SIGN_UP_SQL, [JSON.stringify(rows)]);
    await conn.exec('COMMIT');
  } catch (e) {
    await conn.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

export const supabasePreset: Preset = {
  name: 'supabase',
  authenticatedRole: 'authenticated',
  anonymousRole: 'anon',
  claims: 'supabase',
  extensions: SUPABASE_EXTENSIONS,
  accounts: {
    signUp,
    who: 'Supabase Auth (role supabase_auth_admin, search_path auth)',
    hint:
      'a trigger on auth.users runs as supabase_auth_admin with search_path auth: make its function SECURITY DEFINER with SET search_path = \'\' and schema-qualified names, and check what it inserts against the metadata given to db.user() (Supabase Auth answers this sign-up with "Database error saving new user")',
    skipRoles: ['anon', 'service_role'],
  },
  identity: 'auth.uid()',
  setupSql: (o) =>
    [ROLES_SQL, SUPABASE_AUTH_SQL, SUPABASE_STORAGE_SQL, SUPABASE_EXTENSIONS_SQL, o.grantPublicSchemaAccess ? SUPABASE_GRANTS_SQL : ''].join('\n'),
};
