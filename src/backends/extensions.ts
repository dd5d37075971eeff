/**
 * Extensions: which ones the embedded engine can offer, loading them, and the error for one it
 * cannot. PGlite ships the contrib extensions as separate bundles that must be handed to it when
 * it starts (each adds to the start: pgcrypto ~100 ms, most a few ms), so the embedded backend
 * loads only those the preset and the migrations name in CREATE EXTENSION.
 */
import type { BackendKind } from './types.js';

/** Extension name (as in CREATE EXTENSION) -> its module under @electric-sql/pglite/contrib/ (PGlite 0.5). */
export const EMBEDDED_EXTENSIONS: Readonly<Record<string, string>> = {
  amcheck: 'amcheck',
  autoinc: 'moddatetime', // the spi bundle: autoinc, insert_username, moddatetime, refint
  bloom: 'bloom',
  btree_gin: 'btree_gin',
  btree_gist: 'btree_gist',
  citext: 'citext',
  cube: 'cube',
  dict_int: 'dict_int',
  dict_xsyn: 'dict_xsyn',
  earthdistance: 'earthdistance',
  file_fdw: 'file_fdw',
  fuzzystrmatch: 'fuzzystrmatch',
  hstore: 'hstore',
  insert_username: 'moddatetime',
  intarray: 'intarray',
  isn: 'isn',
  lo: 'lo',
  ltree: 'ltree',
  moddatetime: 'moddatetime',
  pageinspect: 'pageinspect',
  pg_buffercache: 'pg_buffercache',
  pg_freespacemap: 'pg_freespacemap',
  pg_stat_statements: 'pg_stat_statements',
  pg_surgery: 'pg_surgery',
  pg_trgm: 'pg_trgm',
  pg_visibility: 'pg_visibility',
  pg_walinspect: 'pg_walinspect',
  pgcrypto: 'pgcrypto',
  refint: 'moddatetime',
  seg: 'seg',
  tablefunc: 'tablefunc',
  tcn: 'tcn',
  tsm_system_rows: 'tsm_system_rows',
  tsm_system_time: 'tsm_system_time',
  unaccent: 'unaccent',
  'uuid-ossp': 'uuid_ossp',
};

/** Built into every Postgres: nothing to load. */
const BUILT_IN = new Set(['plpgsql']);

/** The PGlite extension objects for these names (unknown names are skipped: CREATE EXTENSION reports them). */
export async function embeddedExtensions(names: readonly string[]): Promise<Record<string, unknown>> {
  const modules = [...new Set(names.map((n) => EMBEDDED_EXTENSIONS[n]).filter((m): m is string => m !== undefined))].sort();
  const out: Record<string, unknown> = {};
  for (const m of modules) {
    const mod = (await import(`@electric-sql/pglite/contrib/${m}`)) as Record<string, unknown>;
    const [key, ext] = Object.entries(mod)[0] ?? [];
    if (key) out[key] = ext;
  }
  return out;
}

/** Whether the embedded backend can create this extension. */
export function embeddedOffers(name: string): boolean {
  return BUILT_IN.has(name) || name in EMBEDDED_EXTENSIONS;
}

/** Why `name` could not be created, and where it can be: the message and hint of the migration error. */
export function unavailableExtension(name: string, backend: BackendKind): { message: string; hint: string } {
  if (backend === 'embedded') {
    if (embeddedOffers(name)) {
      return {
        message: `extension "${name}" was not loaded: the embedded backend loads the extensions that the preset and the top-level CREATE EXTENSION statements of the migrations and sql name, and this one was created another way (inside a DO block or a function?)`,
        hint: `add "CREATE EXTENSION IF NOT EXISTS \\"${name}\\";" as a statement of its own to the migrations`,
      };
    }
    return {
      message: `extension "${name}" is not available on the embedded backend (PGlite 0.5 offers ${Object.keys(EMBEDDED_EXTENSIONS).join(', ')})`,
      hint: `run these migrations with backend 'url' on a server that has "${name}" installed, or backend 'testcontainers' with an image that ships it (the supabase/postgres image ships every extension Supabase offers)`,
    };
  }
  return {
    message: `extension "${name}" is not available on this server`,
    hint: `install "${name}" on the server (its package, or a Postgres image that ships it, e.g. supabase/postgres), or drop it from the migrations; the embedded backend offers ${Object.keys(EMBEDDED_EXTENSIONS).join(', ')}`,
  };
}
