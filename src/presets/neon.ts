/**
 * The Neon preset: what "Enable Data API" leaves in a database, minus the Rust extension.
 * `auth.*` is a SQL stub of pg_session_jwt (v0.5) in its fallback mode: claims come from the
 * `request.jwt.claims` setting that each request sets. Differences from the real extension
 * (documented in docs/requests.md): no JWK validation inside Postgres, no `jti` ordering, no 60 s leeway.
 */
import type { Connection } from '../backends/types.js';
import type { ClaimsShape } from '../tokens/index.js';

/** Roles are cluster-wide: create when missing, tolerate a parallel creator, never drop. */
export function createRolesSql(roles: string[]): string {
  const body = roles
    .map(
      (r) => `  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${dollar(r)}) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN', ${dollar(r)});
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END;`,
    )
    .join('\n');
  return `DO $pgrls$\nBEGIN\n${body}\nEND\n$pgrls$;`;
}

// Role names are ours (authenticated, anonymous) but quote them anyway, inside the DO body.
function dollar(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export const AUTH_SCHEMA_SQL = `
CREATE SCHEMA IF NOT EXISTS auth;

-- The claims of the current request; JSON null when none were set. The setting reads ''
-- (not NULL) once set_config has been used in the session, hence nullif.
CREATE OR REPLACE FUNCTION auth.session() RETURNS jsonb
  LANGUAGE sql STABLE
  AS $$ SELECT coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb, 'null'::jsonb) $$;

CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb
  LANGUAGE sql STABLE
  AS $$ SELECT auth.session() $$;

-- sub only when it is a JSON string: a numeric or missing sub gives NULL, as in pg_session_jwt.
CREATE OR REPLACE FUNCTION auth.user_id() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT CASE WHEN jsonb_typeof(auth.session() -> 'sub') = 'string' THEN auth.session() ->> 'sub' END $$;

CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT CASE WHEN auth.user_id() ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
                    THEN auth.user_id()::uuid END $$;

CREATE OR REPLACE FUNCTION auth.organization() RETURNS jsonb
  LANGUAGE sql STABLE
  AS $$ SELECT CASE WHEN jsonb_typeof(auth.session() -> 'o') = 'object' THEN auth.session() -> 'o' END $$;

CREATE OR REPLACE FUNCTION auth.organization_id() RETURNS text
  LANGUAGE sql STABLE
  AS $$ SELECT auth.organization() ->> 'id' $$;

CREATE OR REPLACE FUNCTION auth.init() RETURNS void
  LANGUAGE sql VOLATILE
  AS $$ SELECT $$;

-- The real function validates the JWT against the JWK given to auth.init(); the stub trusts it
-- (tokens are validated by the emulated Data API before any SQL runs) and stores its payload.
CREATE OR REPLACE FUNCTION auth.jwt_session_init(jwt text) RETURNS void
  LANGUAGE sql VOLATILE
  AS $$
    SELECT set_config('request.jwt.claims',
      convert_from(decode(rpad(translate(split_part(jwt, '.', 2), '-_', '+/'),
                               4 * ((length(split_part(jwt, '.', 2)) + 3) / 4), '='), 'base64'), 'utf8'),
      false)::void
  $$;

GRANT USAGE ON SCHEMA auth TO authenticated, anonymous;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO PUBLIC;
`;

/** The GRANT set "Grant public schema access" applies (Neon docs, Data API get-started). */
export const DATA_API_GRANTS_SQL = `
GRANT USAGE ON SCHEMA public TO authenticated;
GRANT SELECT, UPDATE, INSERT, DELETE ON ALL TABLES IN SCHEMA public TO authenticated;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, UPDATE, INSERT, DELETE ON TABLES TO authenticated;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO authenticated;
`;

export interface PresetOptions {
  grantPublicSchemaAccess: boolean;
}

/** A user as the auth service stores them (Supabase: a row of auth.users). */
export interface Account {
  /** the user's name in the test (db.user(name)) */
  name: string;
  id: string;
  email: string | null;
  phone: string | null;
  userMetadata: Record<string, unknown>;
  /** as given to db.user(); the preset adds the platform's defaults */
  appMetadata: Record<string, unknown>;
}

/** How users of db.user() come to exist in the database, as the platform's auth service makes them. */
export interface AccountSetup {
  /** Writes these accounts and commits (idempotent: an account that exists is left as it is). */
  signUp(conn: Connection, accounts: Account[]): Promise<void>;
  /** who writes them, for messages */
  who: string;
  /** what to do when a sign-up fails */
  hint: string;
  /** users running as these roles have no account (a service key, the anonymous key) */
  skipRoles: string[];
}

export interface Preset {
  name: 'neon' | 'supabase' | 'none';
  /** The role a token without a `role` claim runs as. */
  authenticatedRole: string;
  /** The role a request without a token runs as. */
  anonymousRole: string;
  /** The claims minted tokens carry: Neon Auth's or Supabase Auth's. */
  claims: ClaimsShape;
  /** Extensions the preset creates (the embedded backend must load them). */
  extensions: string[];
  /** Sign-up of db.user() users, when the platform keeps users in the database. */
  accounts?: AccountSetup;
  /** SQL applied once, before migrations. */
  setupSql(options: PresetOptions): string;
  /** The expression that gives the requester's identity, NULL without one (mutate's null_identity_admitted). */
  identity?: string;
}

export const neonPreset: Preset = {
  name: 'neon',
  authenticatedRole: 'authenticated',
  anonymousRole: 'anonymous',
  claims: 'neon-auth',
  extensions: [],
  identity: 'auth.user_id()',
  setupSql: (o) =>
    [createRolesSql(['authenticated', 'anonymous']), AUTH_SCHEMA_SQL, o.grantPublicSchemaAccess ? DATA_API_GRANTS_SQL : ''].join('\n'),
};

/** Installs nothing: for a database that already has its roles and auth functions. */
export const nonePreset: Preset = {
  name: 'none',
  authenticatedRole: 'authenticated',
  anonymousRole: 'anonymous',
  claims: 'neon-auth',
  extensions: [],
  setupSql: () => '',
};

export async function presetByName(name: string): Promise<Preset> {
  if (name === 'neon') return neonPreset;
  if (name === 'none') return nonePreset;
  if (name === 'supabase') return (await import('./supabase.js')).supabasePreset;
  throw new TypeError(`"preset" option must be 'neon', 'supabase' or 'none', got ${JSON.stringify(name)}`);
}
