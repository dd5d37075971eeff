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
import type { PGlite as PGliteType } from '@electric-sql/pglite';
import { BackendUnavailableError } from '../errors.js';
import { BadArchiveError, pack, snapshotDir, unpack, writeUnpacked, type ArchiveHeader, type Unpacked } from './archive.js';
import { dropEntry, hashOf, readEntry, resolveCache, sweepCacheOnce, writeEntry, type CacheConfig, type CacheOption } from './cache.js';
import { createWorkDir, removeWorkDir, sweepWorkDirsOnce } from './workdirs.js';
import { SerialBackend, type Backend, type Connection, type Result, type Setup } from './types.js';

export interface EmbeddedOptions {
  /** Where prepared databases are cached and how many; `false` disables the cache. */
  cache?: CacheOption | undefined;
  /** Told what a start is doing, so a runner's timeout can name the slow step. */
  onPhase?: ((phase: string) => void) | undefined;
}

/** Bumped when what is stored changes shape: older entries then no longer match any key. */
const FORMAT = 'pgdata-2';

type PGliteModule = typeof import('@electric-sql/pglite');
let loaded: Promise<{ mod: PGliteModule; wasm: WebAssembly.Module; bundle: Blob }> | undefined;

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
function loadPglite() {
  loaded ??= (async () => {
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
  })();
  return loaded;
}

async function openDataDir(dataDir: string): Promise<PgliteConnection> {
  const { mod, wasm, bundle } = await loadPglite();
  // A test database is small: 16 MB of shared buffers instead of 128 MB keeps about 140 MB of
  // touched memory out of every test process, at no measurable cost in time.
  const defaults = (mod.PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams ?? [];
  const startParams = [...defaults, '-c', 'shared_buffers=16MB'];
  const pg = await mod.PGlite.create({ dataDir, relaxedDurability: true, pgliteWasmModule: wasm, fsBundle: bundle, startParams }).catch((cause: unknown) => {
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
  const conn = await openDataDir(dataDir);
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
export async function writeShippedClusters(outDir: string, bases: Pick<Setup, 'base' | 'baseKey'>[]): Promise<string[]> {
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
      const conn = await openDataDir(dir);
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

  private constructor(conn: PgliteConnection, workDir: string, pristine: Unpacked, description: string, stored: Promise<void>) {
    super(conn);
    this.#workDir = workDir;
    this.#pristine = pristine;
    this.description = description;
    this.#stored = stored;
  }

  static async start(setup: Setup, options: EmbeddedOptions = {}): Promise<EmbeddedBackend> {
    sweepWorkDirsOnce();
    const phase = options.onPhase ?? (() => undefined);
    const cache = resolveCache(options.cache);
    if (cache) sweepCacheOnce(cache);
    phase('loading PGlite');
    const pglite = loadPglite();
    pglite.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    let v: string;
    try {
      v = pgliteVersion();
    } catch (cause) {
      throw unavailable(cause);
    }
    const key = `db-${hashOf(FORMAT, v, setup.key)}`;
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
        conn = await openDataDir(dataDir);
      } else {
        if (cache) dropEntry(cache, key); // damaged, if it was there at all
        await pglite;
        const based = await freshCluster(dataDir, cache, phase, setup.baseKey);
        phase(`applying ${describeSetup(setup, based)}`);
        const build = await openDataDir(dataDir);
        try {
          if (!based) await setup.base(build);
          await setup.rest(build);
          await compactWal(build);
        } finally {
          await build.pg.close();
        }
        phase('opening the database');
        pristine = snapshotDir(dataDir, { pglite: v, ...setup.summary, created: new Date().toISOString() });
        // Written while the database opens, and after: close() waits for it.
        const entry = pristine;
        if (cache) stored = pack(entry).then((file) => writeEntry(cache, key, file), () => undefined);
        conn = await openDataDir(dataDir);
      }
      const serverVersion = (await conn.query('SHOW server_version')).rows[0]?.server_version;
      return new EmbeddedBackend(conn, work, pristine, `embedded PGlite ${v} (PostgreSQL ${String(serverVersion)})`, stored);
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
      writeUnpacked(this.#pristine, dataDir);
      this.conn = await openDataDir(dataDir);
      this.dirty = false;
    });
  }

  close(): Promise<void> {
    return this.serially(async () => {
      try {
        await this.conn.pg.close();
        await this.#stored;
      } finally {
        removeWorkDir(this.#workDir);
      }
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
