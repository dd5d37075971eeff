/**
 * On-disk cache of prepared PGlite data directories, keyed by a hash of what built them.
 * Writers build in a private folder and rename it into place, so parallel test files that
 * race for the same key never see half a directory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function hashOf(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 24);
}

/** `node_modules/.cache/pg-rls-test` when there is a node_modules here, else the OS temp folder. */
export function defaultCacheDir(): string {
  const nm = resolve('node_modules');
  return existsSync(nm) ? join(nm, '.cache', 'pg-rls-test') : join(tmpdir(), 'pg-rls-test-cache');
}

export function cachedDir(cacheDir: string, key: string): string | undefined {
  const dir = join(cacheDir, key);
  return existsSync(join(dir, 'PG_VERSION')) ? dir : undefined;
}

/** Copies a finished data directory into the cache under `key` (atomically; first writer wins). */
export function storeDir(cacheDir: string, key: string, source: string): void {
  mkdirSync(cacheDir, { recursive: true });
  const target = join(cacheDir, key);
  if (existsSync(target)) return;
  const staging = join(cacheDir, `.${key}.${randomBytes(4).toString('hex')}`);
  try {
    cpSync(source, staging, { recursive: true });
    renameSync(staging, target);
  } catch {
    // Another worker stored it first, or the cache is read-only: the cache is an optimisation only.
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** A fresh temp folder for one database; removed by close() or at process exit. */
const live = new Set<string>();
process.once('exit', () => {
  for (const d of live) rmSync(d, { recursive: true, force: true });
});

/**
 * Where working copies go: /dev/shm (memory) when it has room, else the temp folder. Copying
 * the ~40 MB data directory there takes ~40 ms instead of ~600 ms on a disk-backed /tmp.
 * Docker's default /dev/shm is 64 MB, hence the free-space check.
 */
function workBase(): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 1024 ** 3) return '/dev/shm';
  } catch {
    // no /dev/shm (macOS, Windows)
  }
  return tmpdir();
}

export function tempWorkDir(): string {
  const d = mkdtempSync(join(workBase(), 'pg-rls-test-'));
  live.add(d);
  return d;
}

export function removeWorkDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  live.delete(d);
}
