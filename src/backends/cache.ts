/**
 * The on-disk cache of prepared databases: one archive file per key (see archive.ts), a hash of
 * what built it. Bounded: after each store, the least recently used entries beyond the limits are
 * removed (a use touches the file's mtime). Writers write a private temp file and rename it into
 * place, so a reader never sees half an entry and parallel builders of one key leave one entry;
 * a temp file whose writer died is removed by the next store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readArchiveHeader, type ArchiveHeader } from './archive.js';
import { hostTag, ownerState, ownerStamp } from './owner.js';

export function hashOf(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 24);
}

export interface CacheLimits {
  /** total size of the entries (default 1 GiB) */
  maxBytes: number;
  /** number of entries (default 20) */
  maxEntries: number;
}

export interface CacheConfig extends CacheLimits {
  dir: string;
}

/** The `cache` option: a folder, `false` (no cache), or the folder and limits. */
export type CacheOption = string | false | { dir?: string; maxBytes?: number; maxEntries?: number };

export const DEFAULT_LIMITS: CacheLimits = { maxBytes: 1024 ** 3, maxEntries: 20 };
const EXT = '.pgdata';
/** Entries of earlier builds: plain data directories (39 MB each), never read any more. */
const LEGACY_DIR = /^(base|full)-[0-9a-f]{24}$/;
const TEMP = /^\.(.+)\.([0-9a-f]{6})-(\d+)-[0-9a-f]+\.tmp$/;
/** A temp file this old is abandoned whoever wrote it (another host sharing the folder). */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** `node_modules/.cache/pg-rls-test` when there is a node_modules here, else the OS temp folder. */
export function defaultCacheDir(): string {
  const nm = resolve('node_modules');
  return existsSync(nm) ? join(nm, '.cache', 'pg-rls-test') : join(tmpdir(), 'pg-rls-test-cache');
}

/** "1GB", "500 MB", "64MiB", "1048576" -> bytes; undefined when unreadable. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase().replace(/i?b$/, '');
  const power = ['', 'k', 'm', 'g', 't'].indexOf(unit);
  return power < 0 ? undefined : Math.round(Number(m[1]) * 1024 ** power);
}

/**
 * The cache's folder and limits from the option and the environment ($PG_RLS_TEST_CACHE_DIR,
 * $PG_RLS_TEST_CACHE_MAX_BYTES, $PG_RLS_TEST_CACHE_MAX_ENTRIES); undefined: no cache.
 */
export function resolveCache(option: CacheOption | undefined, env: NodeJS.ProcessEnv = process.env): CacheConfig | undefined {
  if (option === false) return undefined;
  const o = typeof option === 'string' ? { dir: option } : (option ?? {});
  const envBytes = env.PG_RLS_TEST_CACHE_MAX_BYTES;
  const envEntries = env.PG_RLS_TEST_CACHE_MAX_ENTRIES;
  const bytes = envBytes === undefined ? undefined : parseBytes(envBytes);
  if (envBytes !== undefined && bytes === undefined) throw new TypeError(`PG_RLS_TEST_CACHE_MAX_BYTES must be a size such as 1GB or 500MB, got ${JSON.stringify(envBytes)}`);
  const entries = envEntries === undefined ? undefined : Number(envEntries);
  if (entries !== undefined && !(Number.isInteger(entries) && entries >= 0)) throw new TypeError(`PG_RLS_TEST_CACHE_MAX_ENTRIES must be a whole number, got ${JSON.stringify(envEntries)}`);
  return {
    dir: o.dir ?? env.PG_RLS_TEST_CACHE_DIR ?? defaultCacheDir(),
    maxBytes: o.maxBytes ?? bytes ?? DEFAULT_LIMITS.maxBytes,
    maxEntries: o.maxEntries ?? entries ?? DEFAULT_LIMITS.maxEntries,
  };
}

const entryPath = (dir: string, key: string) => join(dir, key + EXT);

/** The entry's bytes, or undefined; a hit counts as a use (for eviction). */
export function readEntry(cache: CacheConfig, key: string): Buffer | undefined {
  const path = entryPath(cache.dir, key);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // read-only cache, or evicted by another process meanwhile: the data was read already
  }
  return data;
}

/** Removes an entry that could not be unpacked. */
export function dropEntry(cache: CacheConfig, key: string): void {
  rmSync(entryPath(cache.dir, key), { force: true });
}

/**
 * Stores an entry atomically, then applies the limits (never evicting the entry just stored).
 * A cache that cannot be written is not an error: it is an optimisation.
 */
export function writeEntry(cache: CacheConfig, key: string, data: Buffer): void {
  try {
    mkdirSync(cache.dir, { recursive: true });
    sweepTemps(cache.dir);
    const target = entryPath(cache.dir, key);
    if (!existsSync(target)) {
      const temp = join(cache.dir, `.${key}.${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      try {
        writeFileSync(temp, data);
        renameSync(temp, target);
      } finally {
        rmSync(temp, { force: true });
      }
    }
    evict(cache, key);
  } catch {
    // read-only or full disk: the next run builds again
  }
}

export interface EntryInfo {
  key: string;
  path: string;
  bytes: number;
  /** last use (or creation) */
  lastUsed: Date;
  /** what built it, from the archive's header; undefined when unreadable */
  header: ArchiveHeader | undefined;
}

/** The entries, most recently used first. */
export function listEntries(dir: string): EntryInfo[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: EntryInfo[] = [];
  for (const name of names) {
    if (!name.endsWith(EXT) || name.startsWith('.')) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path);
      let header: ArchiveHeader | undefined;
      try {
        header = readArchiveHeader(path);
      } catch {
        header = undefined;
      }
      out.push({ key: name.slice(0, -EXT.length), path, bytes: st.size, lastUsed: st.mtime, header });
    } catch {
      // evicted meanwhile
    }
  }
  return out.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime());
}

/** Removes least recently used entries beyond the limits; returns the keys removed. */
export function evict(cache: CacheConfig, keep?: string): string[] {
  const entries = listEntries(cache.dir);
  const removed: string[] = [];
  let bytes = entries.reduce((n, e) => n + e.bytes, 0);
  let count = entries.length;
  for (const e of [...entries].reverse()) {
    if (count <= cache.maxEntries && bytes <= cache.maxBytes) break;
    if (e.key === keep) continue;
    rmSync(e.path, { force: true });
    removed.push(e.key);
    count -= 1;
    bytes -= e.bytes;
  }
  return removed;
}

/** Temp files whose writer is gone (killed mid-write) or older than an hour, and entries of the older format. */
function sweepTemps(dir: string): void {
  const me = hostTag();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no cache yet
  }
  for (const name of names) {
    if (LEGACY_DIR.test(name) && existsSync(join(dir, name, 'PG_VERSION'))) {
      rmSync(join(dir, name), { recursive: true, force: true });
      continue;
    }
    const m = TEMP.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    try {
      const dead = m[2] === me && ownerState({ pid: Number(m[3]), host: ownerStamp().host }) === 'dead';
      if (dead || Date.now() - statSync(path).mtimeMs > STALE_TEMP_MS) rmSync(path, { force: true });
    } catch {
      // gone meanwhile
    }
  }
}

const sweptDirs = new Set<string>();
/** The temp-file sweep, once per process and folder (a start calls it: one directory listing). */
export function sweepCacheOnce(cache: CacheConfig): void {
  if (sweptDirs.has(cache.dir)) return;
  sweptDirs.add(cache.dir);
  sweepTemps(cache.dir);
}

/** Removes every entry and temp file; returns how many entries and bytes were removed. */
export function cleanCache(dir: string): { entries: number; bytes: number } {
  const entries = listEntries(dir);
  for (const e of entries) rmSync(e.path, { force: true });
  try {
    for (const name of readdirSync(dir)) if (TEMP.test(name)) rmSync(join(dir, name), { force: true });
  } catch {
    // no cache folder
  }
  return { entries: entries.length, bytes: entries.reduce((n, e) => n + e.bytes, 0) };
}
