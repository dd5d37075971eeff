/**
 * The default backend: PGlite (Postgres compiled to WASM) in this process, nothing to install.
 * A database is a NodeFS data directory in a working folder (workdirs.ts), unpacked from the
 * cache of prepared databases (cache.ts, archive.ts). On a cache miss the preset, migrations and
 * seed run on a fresh cluster: the one shipped in the package (built with `npm run build`), else
 * one made by initdb once and cached. reset() unpacks again, only when something was committed.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Extensions, PGlite as PGliteType } from '@electric-sql/pglite';
import { BackendUnavailableError } from '../errors.js';
import { BadArchiveError, pack, snapshotDir, unpack, writeUnpacked, type ArchiveHeader, type Unpacked } from './archive.js';
import { dropEntry, hashOf, readEntry, resolveCache, sweepCacheOnce, writeEntry, type CacheConfig, type CacheOption } from './cache.js';
import { embeddedExtensions } from './extensions.js';
import { createWorkDir, removeWorkDir, sweepWorkDirsOnce } from './workdirs.js';
import { applyMutation, SerialBackend, type AppliedMutation, type Backend, type Connection, type Result, type Setup } from './types.js';

export interface EmbeddedOptions {
  /** Where prepared databases are cached and how many; `false` disables the cache. */
  cache?: CacheOption | undefined;
  /** Told what a start is doing, so a runner's timeout can name the slow step. */
  onPhase?: ((phase: string) => void) | undefined;
  /**
   * `pg-rls-test mutate`: close() keeps the database open (its mutant undone, its sequences put
   * back) for the next run of the same setup, which takes it instead of unpacking and opening a
   * data directory (~0.3 s). Databases lent in an earlier run and never closed are closed.
   */
  keepWarm?: { run: number } | undefined;
}

/** Bumped when what is stored changes shape: older entries then no longer match any key. */
const FORMAT = 'pgdata-2';

type PGliteModule = typeof import('@electric-sql/pglite');
type Loaded = Promise<{ mod: PGliteModule; wasm: WebAssembly.Module; bundle: Blob }>;
// On globalThis: a mutation run's test worker re-evaluates this module for every run, and the
// WASM compile (~60 ms) should happen once per worker.
const LOADED = Symbol.for('pg-rls-test.embedded.pglite');

/** PGlite's dist/ folder (package.json is not in its exports: found beside the entry). */
function pgliteDist(): string {
  return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
}

let version: string | undefined;
/** The installed PGlite's version: part of every cache key. */
export function pgliteVersion(): string {
  version ??= JSON.parse(readFileSync(join(pgliteDist(), '..', 'package.json'), 'utf8')).version as string;
  return version;
}

function unavailable(cause: unknown): BackendUnavailableError {
  return new BackendUnavailableError('the embedded backend needs the package @electric-sql/pglite, which could not be loaded', {
    cause,
    hint: 'npm install @electric-sql/pglite, or choose backend: "url"',
  });
}

/** Loads PGlite once per process and compiles its WASM once, shared by every database. */
function loadPglite(): Loaded {
  const g = globalThis as { [LOADED]?: Loaded };
  return (g[LOADED] ??= (async () => {
    let mod: PGliteModule;
    try {
      mod = await import('@electric-sql/pglite');
    } catch (cause) {
      throw unavailable(cause);
    }
    const distDir = pgliteDist();
    const wasm = await WebAssembly.compile(readFileSync(join(distDir, 'pglite.wasm')));
    const bundle = new Blob([readFileSync(join(distDir, 'pglite.data'))]);
    return { mod, wasm, bundle };
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

/**
 * Before a snapshot: move to a new WAL segment, so that the shutdown checkpoint deletes the old
 * one instead of recycling it and the segment kept is zeros (16 MB less to store). Failing only
 * costs size.
 */
async function compactWal(conn: PgliteConnection): Promise<void> {
  await conn.pg.exec('RESET ROLE; SET wal_recycle = off; SELECT pg_switch_wal()').catch(() => undefined);
}

/** A file shipped in the package for this PGlite version (dist/base), if any. */
function shipped(name: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/internal.js -> dist/base; from the sources (tests) src/backends -> dist/base
  return [join(here, 'base', name), join(here, '..', '..', 'dist', 'base', name)].find((p) => existsSync(p));
}

/** The plain cluster, or one with the preset whose SQL hashes to `baseKey` applied. */
const shippedName = (v: string, baseKey?: string) => (baseKey ? `pglite-${v}-${baseKey}.pgdata` : `pglite-${v}.pgdata`);
const clusterKey = (v: string) => `cluster-${hashOf(FORMAT, v)}`;

async function tryUnpack(file: Buffer | undefined, v: string): Promise<Unpacked | undefined> {
  if (!file) return undefined;
  try {
    const u = await unpack(file);
    return u.header.pglite === v ? u : undefined;
  } catch (e) {
    if (e instanceof BadArchiveError) return undefined;
    throw e;
  }
}

const readShipped = (name: string) => {
  const path = shipped(name);
  return path ? readFileSync(path) : undefined;
};

/**
 * Puts a fresh cluster (what initdb makes) into `dataDir`: shipped in the package with the
 * preset already applied (then resolves to true), else the plain one shipped, else the cached
 * one, else initdb now (seconds), cached for the next time.
 */
async function freshCluster(dataDir: string, cache: CacheConfig | undefined, phase: (p: string) => void, baseKey?: string): Promise<boolean> {
  const v = pgliteVersion();
  const based = baseKey ? await tryUnpack(readShipped(shippedName(v, baseKey)), v) : undefined;
  if (based?.header.base === baseKey && based) {
    writeUnpacked(based, dataDir);
    return true;
  }
  const plain = (await tryUnpack(readShipped(shippedName(v)), v)) ?? (cache && (await tryUnpack(readEntry(cache, clusterKey(v)), v)));
  if (plain) {
    writeUnpacked(plain, dataDir);
    return false;
  }
  if (cache) dropEntry(cache, clusterKey(v));
  phase(`running initdb: no prepared cluster for PGlite ${v} (\`npx pg-rls-test prepare\` makes one)`);
  const conn = await openDataDir(dataDir, []);
  await compactWal(conn);
  await conn.pg.close();
  if (cache) writeEntry(cache, clusterKey(v), await pack(snapshotDir(dataDir, clusterHeader(v))));
  return false;
}

const clusterHeader = (v: string, base?: string): ArchiveHeader => ({
  pglite: v,
  what: base ? 'cluster (initdb) with a preset' : 'cluster (initdb)',
  ...(base ? { base } : {}),
  created: new Date().toISOString(),
});

/**
 * Writes the clusters that `npm run build` ships in dist/base: the plain one, and one per given
 * preset base (the default preset), so that a first start runs neither initdb nor the preset.
 */
export async function writeShippedClusters(outDir: string, bases: Pick<Setup, 'base' | 'baseKey' | 'extensions'>[]): Promise<string[]> {
  const v = pgliteVersion();
  mkdirSync(outDir, { recursive: true });
  const work = createWorkDir();
  try {
    const plainDir = join(work, 'plain');
    await freshCluster(plainDir, resolveCache(undefined), () => undefined);
    const plain = snapshotDir(plainDir, clusterHeader(v));
    const files = [join(outDir, shippedName(v))];
    writeFileSync(files[0]!, await pack(plain, true)); // the package ships them gzipped
    for (const b of bases) {
      const dir = join(work, b.baseKey);
      writeUnpacked(plain, dir);
      const conn = await openDataDir(dir, b.extensions);
      await b.base(conn);
      await compactWal(conn);
      await conn.pg.close();
      const file = join(outDir, shippedName(v, b.baseKey));
      writeFileSync(file, await pack(snapshotDir(dir, clusterHeader(v, b.baseKey)), true));
      files.push(file);
    }
    return files;
  } finally {
    removeWorkDir(work);
  }
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
  /** the prepared database, in memory: what reset() writes back */
  #pristine: Unpacked;
  /** the cache entry being written after a build */
  #stored: Promise<void>;
  #extensions: readonly string[];

  /** mutate: the mutant applied now, the pool key, the SQL that puts the sequences back */
  #mutation: AppliedMutation | undefined;
  #warm: { key: string; restoreSequences: string } | undefined;

  private constructor(conn: PgliteConnection, workDir: string, pristine: Unpacked, description: string, extensions: readonly string[], stored: Promise<void>) {
    super(conn);
    this.#workDir = workDir;
    this.#pristine = pristine;
    this.description = description;
    this.#extensions = extensions;
    this.#stored = stored;
  }

  static async start(setup: Setup, options: EmbeddedOptions = {}): Promise<EmbeddedBackend> {
    let v: string;
    try {
      v = pgliteVersion();
    } catch (cause) {
      throw unavailable(cause);
    }
    const fullKey = `db-${hashOf(FORMAT, v, setup.baseKey, setup.fullKey)}`;
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
    const backend = await EmbeddedBackend.#open(setup, options, v, fullKey);
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
    try {
      await this.conn.pg.close().catch(() => undefined);
      await this.#stored;
    } finally {
      removeWorkDir(this.#workDir);
    }
  }

  static async #open(setup: Setup, options: EmbeddedOptions, v: string, key: string): Promise<EmbeddedBackend> {
    sweepWorkDirsOnce();
    const phase = options.onPhase ?? (() => undefined);
    const cache = resolveCache(options.cache);
    if (cache) sweepCacheOnce(cache);
    phase('loading PGlite');
    const pglite = loadPglite();
    pglite.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    // Every open of a data directory must load the extensions created in it.
    const open = (dir: string) => openDataDir(dir, setup.extensions);
    const work = createWorkDir();
    const dataDir = join(work, 'data');
    let stored: Promise<void> = Promise.resolve();
    try {
      let conn: PgliteConnection;
      let pristine = cache && (await tryUnpack(readEntry(cache, key), v));
      if (pristine) {
        phase('unpacking the cached database');
        writeUnpacked(pristine, dataDir);
        await pglite;
        phase('opening the database');
        conn = await open(dataDir);
      } else {
        if (cache) dropEntry(cache, key); // damaged, if it was there at all
        await pglite;
        const based = await freshCluster(dataDir, cache, phase, setup.baseKey);
        phase(`applying ${describeSetup(setup, based)}`);
        const build = await open(dataDir);
        try {
          if (!based) await setup.base(build);
          await setup.rest(build, 'embedded');
          await compactWal(build);
        } finally {
          await build.pg.close();
        }
        phase('opening the database');
        // the snapshot is unmutated: a mutant is applied after this (the cache must never hold one)
        pristine = snapshotDir(dataDir, { pglite: v, ...setup.summary, created: new Date().toISOString() });
        // Written while the database opens, and after: close() waits for it.
        const entry = pristine;
        if (cache) stored = pack(entry).then((file) => writeEntry(cache, key, file), () => undefined);
        conn = await open(dataDir);
      }
      const serverVersion = (await conn.query('SHOW server_version')).rows[0]?.server_version;
      return new EmbeddedBackend(conn, work, pristine, `embedded PGlite ${v} (PostgreSQL ${String(serverVersion)})`, setup.extensions, stored);
    } catch (e) {
      await stored;
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
      writeUnpacked(this.#pristine, dataDir);
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

function describeSetup(setup: Setup, based: boolean): string {
  const { preset, sources, seed } = setup.summary;
  const parts = based ? [] : [`the ${preset} preset`];
  if (sources.length) parts.push(sources.length === 1 ? '1 SQL source' : `${sources.length} SQL sources`);
  if (seed) parts.push('the seed');
  return parts.join(', ') || 'nothing (the preset came prepared)';
}
