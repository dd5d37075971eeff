/**
 * The default backend: PGlite (Postgres compiled to WASM) in this process, nothing to install.
 * A database is a NodeFS data directory in a temp folder, copied from a cache of prepared
 * directories (opening a copied directory takes about 0.7 s; initdb about 4 s). reset() closes
 * and re-copies only when something was committed since the last reset.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Extensions, PGlite as PGliteType } from '@electric-sql/pglite';
import { BackendUnavailableError } from '../errors.js';
import { cachedDir, defaultCacheDir, hashOf, removeWorkDir, storeDir, tempWorkDir } from './cache.js';
import { embeddedExtensions } from './extensions.js';
import { applyMutation, SerialBackend, type AppliedMutation, type Backend, type Connection, type Result, type Setup } from './types.js';

export interface EmbeddedOptions {
  /** Where prepared data directories are kept; `false` disables the cache. */
  cache?: string | false | undefined;
  /**
   * `pg-rls-test mutate`: close() keeps the database open (its mutant undone, its sequences put
   * back) for the next run of the same setup, which takes it instead of copying and opening a
   * data directory (~0.3 s). Databases lent in an earlier run and never closed are closed.
   */
  keepWarm?: { run: number } | undefined;
}

type PGliteModule = typeof import('@electric-sql/pglite');
type Loaded = Promise<{ mod: PGliteModule; version: string; wasm: WebAssembly.Module; bundle: Blob }>;
// On globalThis: a mutation run's test worker re-evaluates this module for every run, and the
// WASM compile (~60 ms) should happen once per worker.
const LOADED = Symbol.for('pg-rls-test.embedded.pglite');

/** Loads PGlite once per process and compiles its WASM once, shared by every database. */
function loadPglite(): Loaded {
  const g = globalThis as { [LOADED]?: Loaded };
  return (g[LOADED] ??= (async () => {
    let mod: PGliteModule;
    try {
      mod = await import('@electric-sql/pglite');
    } catch (cause) {
      throw new BackendUnavailableError('the embedded backend needs the package @electric-sql/pglite, which could not be loaded', {
        cause,
        hint: 'npm install @electric-sql/pglite, or choose backend: "url"',
      });
    }
    const require = createRequire(import.meta.url);
    // package.json is not in the package's exports: find it beside the resolved entry (dist/).
    const distDir = dirname(require.resolve('@electric-sql/pglite'));
    const version = JSON.parse(readFileSync(join(distDir, '..', 'package.json'), 'utf8')).version as string;
    const wasm = await WebAssembly.compile(readFileSync(join(distDir, 'pglite.wasm')));
    const bundle = new Blob([readFileSync(join(distDir, 'pglite.data'))]);
    return { mod, version, wasm, bundle };
  })().catch((e: unknown) => {
    delete g[LOADED];
    throw e;
  }));
}

/** Databases kept open between the runs of a mutation run, by setup (see EmbeddedOptions.keepWarm). */
interface WarmPool {
  parked: Map<string, EmbeddedBackend[]>;
  /** lent out, with the run that took them */
  lent: Map<EmbeddedBackend, number>;
}
const WARM = Symbol.for('pg-rls-test.embedded.warm');
const MAX_PARKED = 4;

function warmPool(): WarmPool {
  const g = globalThis as { [WARM]?: WarmPool };
  return (g[WARM] ??= { parked: new Map(), lent: new Map() });
}

async function openDataDir(dataDir: string, extensionNames: readonly string[]): Promise<PgliteConnection> {
  const { mod, wasm, bundle } = await loadPglite();
  const extensions = await embeddedExtensions(extensionNames);
  // A test database is small: 16 MB of shared buffers instead of 128 MB keeps about 140 MB of
  // touched memory out of every test process, at no measurable cost in time.
  const defaults = (mod.PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  const startParams = [...defaults, '-c', 'shared_buffers=16MB'];
  const pg = await mod.PGlite.create({ dataDir, relaxedDurability: true, pgliteWasmModule: wasm, fsBundle: bundle, startParams, extensions: extensions as Extensions }).catch((cause: unknown) => {
    // PGlite loads parts of itself with import(), which Jest's CommonJS mode refuses (electric-sql/pglite#224)
    // (duck-typed: under Jest the error comes from another realm, where instanceof Error fails)
    if (/experimental-vm-modules/.test(String((cause as { message?: unknown } | null)?.message))) {
      throw new BackendUnavailableError('the embedded backend cannot start under Jest without --experimental-vm-modules: PGlite loads parts of itself with import()', {
        cause,
        hint: 'run Jest with NODE_OPTIONS=--experimental-vm-modules (e.g. "test": "NODE_OPTIONS=--experimental-vm-modules jest"), or use backend: "url"',
      });
    }
    throw cause;
  });
  // The server logs every ERROR with its statement to stderr, which PGlite writes a character at
  // a time: a denied write (42501, the common case here) would pay for that on every check.
  await pg.exec('SET log_min_messages = panic; SET log_min_error_statement = panic');
  // PGlite starts its backend without the settings of ALTER DATABASE / ALTER ROLE ... SET (the
  // Supabase preset's search_path): apply them as a server does at connection start, the more
  // specific last (database, then role, then both).
  const { rows } = await pg.query<{ name: string; value: string }>(
    `SELECT split_part(c, '=', 1) AS name, substr(c, strpos(c, '=') + 1) AS value
       FROM pg_db_role_setting s, unnest(s.setconfig) AS c
      WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
        AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))
      ORDER BY s.setrole <> 0, s.setdatabase <> 0`,
  );
  for (const r of rows) await pg.query('SELECT set_config($1, $2, false)', [r.name, r.value]);
  return new PgliteConnection(pg);
}

function normalize(r: { rows: unknown[]; affectedRows?: number; rowCount?: number; fields: { name: string }[] }): Result {
  // affectedRows is a running total over a multi-statement exec; rowCount is this statement's own
  // command tag (UPDATE 2, SELECT 5), absent for tags without a count (BEGIN).
  return { rows: r.rows as Result['rows'], rowCount: r.rowCount ?? r.rows.length, fields: r.fields.map((f) => f.name) };
}

class PgliteConnection implements Connection {
  readonly pg: PGliteType;
  constructor(pg: PGliteType) {
    this.pg = pg;
  }
  async exec(script: string): Promise<Result[]> {
    return (await this.pg.exec(script)).map(normalize);
  }
  async query(sql: string, params?: unknown[]): Promise<Result> {
    return normalize(await this.pg.query(sql, params));
  }
}

export class EmbeddedBackend extends SerialBackend<PgliteConnection> implements Backend {
  readonly kind = 'embedded' as const;
  readonly commits = true;
  description: string;
  #workDir: string;
  #pristine: string;
  #extensions: readonly string[];

  /** mutate: the mutant applied now, the pool key, the SQL that puts the sequences back */
  #mutation: AppliedMutation | undefined;
  #warm: { key: string; restoreSequences: string } | undefined;

  private constructor(conn: PgliteConnection, workDir: string, pristine: string, description: string, extensions: readonly string[]) {
    super(conn);
    this.#workDir = workDir;
    this.#pristine = pristine;
    this.description = description;
    this.#extensions = extensions;
  }

  static async start(setup: Setup, options: EmbeddedOptions = {}): Promise<EmbeddedBackend> {
    const pglite = await loadPglite();
    const baseKey = `base-${hashOf(pglite.version, setup.baseKey)}`;
    const fullKey = `full-${hashOf(pglite.version, setup.baseKey, setup.fullKey)}`;
    if (options.keepWarm) {
      const pool = warmPool();
      for (const [lent, run] of pool.lent) if (run !== options.keepWarm.run) await lent.#discard();
      const warm = pool.parked.get(fullKey)?.pop();
      if (warm) {
        pool.lent.set(warm, options.keepWarm.run);
        await warm.#adoptOrPark(setup.mutation);
        return warm;
      }
    }
    const backend = await EmbeddedBackend.#open(setup, options, pglite.version, baseKey, fullKey);
    if (options.keepWarm) {
      const { rows } = await backend.conn.query(
        `SELECT coalesce(string_agg(format('SELECT pg_catalog.setval(%L, %s, %L)', format('%I.%I', schemaname, sequencename), coalesce(last_value, start_value), last_value IS NOT NULL), '; '), '') AS sql FROM pg_catalog.pg_sequences`,
      );
      backend.#warm = { key: fullKey, restoreSequences: String(rows[0]?.sql ?? '') };
      warmPool().lent.set(backend, options.keepWarm.run);
    }
    await backend.#adoptOrPark(setup.mutation);
    return backend;
  }

  /** #adopt; when the mutant is refused, the (unmutated) database goes back to the pool, or is closed. */
  async #adoptOrPark(mutation: AppliedMutation | undefined): Promise<void> {
    try {
      await this.#adopt(mutation);
    } catch (e) {
      if (this.#warm && !this.#mutation) this.#park();
      else await this.#discard();
      throw e;
    }
  }

  /** Undoes the mutant applied now and applies `mutation` (a refused one leaves none applied). */
  async #adopt(mutation: AppliedMutation | undefined): Promise<void> {
    if (this.#mutation?.id === mutation?.id) return;
    if (this.#mutation) await applyMutation(this.conn, this.#mutation, 'undo');
    this.#mutation = undefined;
    if (mutation) {
      await applyMutation(this.conn, mutation);
      this.#mutation = mutation;
    }
  }

  #park(): void {
    const pool = warmPool();
    pool.lent.delete(this);
    const list = pool.parked.get(this.#warm!.key) ?? [];
    if (list.length >= MAX_PARKED) {
      void this.#discard();
      return;
    }
    list.push(this);
    pool.parked.set(this.#warm!.key, list);
  }

  async #discard(): Promise<void> {
    warmPool().lent.delete(this);
    await this.conn.pg.close().catch(() => undefined);
    removeWorkDir(this.#workDir);
  }

  static async #open(setup: Setup, options: EmbeddedOptions, version: string, baseKey: string, fullKey: string): Promise<EmbeddedBackend> {
    // Every open of a data directory must load the extensions created in it.
    const open = (dir: string) => openDataDir(dir, setup.extensions);
    const cacheDir = options.cache === false ? undefined : (options.cache ?? defaultCacheDir());
    const work = tempWorkDir();
    const dataDir = join(work, 'data');
    const copy = (from: string) => cpSync(from, dataDir, { recursive: true });

    try {
      let pristine = cacheDir && cachedDir(cacheDir, fullKey);
      if (!pristine) {
        // Build: from the cached base if there is one, else initdb + preset.
        const base = cacheDir && cachedDir(cacheDir, baseKey);
        let conn: PgliteConnection;
        if (base) {
          copy(base);
          conn = await open(dataDir);
        } else {
          conn = await open(dataDir);
          await setup.base(conn);
          if (cacheDir) {
            await conn.pg.close();
            storeDir(cacheDir, baseKey, dataDir);
            conn = await open(dataDir);
          }
        }
        try {
          await setup.rest(conn, 'embedded');
        } finally {
          await conn.pg.close();
        }
        if (cacheDir) {
          storeDir(cacheDir, fullKey, dataDir);
          pristine = cachedDir(cacheDir, fullKey);
        }
        if (!pristine) {
          // No cache (or it could not be written): keep a private pristine copy for reset().
          pristine = join(work, 'pristine');
          cpSync(dataDir, pristine, { recursive: true });
        }
      } else {
        copy(pristine);
      }
      const conn = await open(dataDir);
      const serverVersion = (await conn.query('SHOW server_version')).rows[0]?.server_version;
      return new EmbeddedBackend(conn, work, pristine, `embedded PGlite ${version} (PostgreSQL ${String(serverVersion)})`, setup.extensions);
    } catch (e) {
      removeWorkDir(work);
      throw e;
    }
  }

  reset(): Promise<void> {
    return this.serially(async () => {
      if (!this.dirty) return; // every request rolled back: nothing to undo
      await this.conn.pg.close();
      const dataDir = join(this.#workDir, 'data');
      rmSync(dataDir, { recursive: true, force: true });
      cpSync(this.#pristine, dataDir, { recursive: true });
      this.conn = await openDataDir(dataDir, this.#extensions);
      this.dirty = false;
      // mutate: the pristine copy is unmutated (the cache must never hold a mutant)
      if (this.#mutation) await applyMutation(this.conn, this.#mutation);
    });
  }

  close(): Promise<void> {
    return this.serially(async () => {
      if (this.#warm && !this.dirty) {
        // Session settings a test changed go; sequences advanced by rolled-back inserts go back.
        const ok = await this.conn
          .exec(`RESET ALL; SET log_min_messages = panic; SET log_min_error_statement = panic; ${this.#warm.restoreSequences}`)
          .then(() => true, () => false);
        if (ok) {
          this.#park();
          return;
        }
      }
      await this.#discard();
    });
  }
}
