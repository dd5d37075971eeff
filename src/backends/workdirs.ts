/**
 * The embedded backend's working copies: one folder per open database, in /dev/shm when it has
 * room (memory: unpacking there takes a few ms), else the temp folder. A copy is removed by
 * close(), at exit, on SIGINT/SIGTERM/SIGHUP; one that a killed process left behind (`kill -9`,
 * a runner that ended its worker) is removed by the next start on this machine, found by the
 * owner's PID in its name and the owner file inside (a copy made by an earlier build, without
 * them, when no process has a file open in it). A live process's copy is never touched, nor
 * another OS user's.
 */
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownerStamp, ownerState, type OwnerStamp } from './owner.js';

export const WORK_PREFIX = 'pg-rls-test-';
const NAME = /^pg-rls-test-(\d+)-[A-Za-z0-9]{6}$/;
/** Copies made by earlier builds, without an owner: judged by whether a process has files open in them. */
const LEGACY = /^pg-rls-test-[A-Za-z0-9]{6}$/;
/** A legacy copy younger than this may be about to be opened. */
const LEGACY_GRACE_MS = 60_000;
const OWNER_FILE = 'owner.json';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Where working copies go: $PG_RLS_TEST_WORKDIR, else /dev/shm when it has more than 1 GiB free
 * (Docker's default /dev/shm is 64 MB), else the temp folder.
 */
export function workBase(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_RLS_TEST_WORKDIR) return env.PG_RLS_TEST_WORKDIR;
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 1024 ** 3) return '/dev/shm';
  } catch {
    // no /dev/shm (macOS, Windows)
  }
  return tmpdir();
}

/** Every folder a working copy may be in (the choice above can differ between runs). */
function workBases(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([workBase(env), '/dev/shm', tmpdir()])].filter((d) => existsSync(d));
}

/** Open working copies, with what must stop before one is removed (a native server). */
const live = new Map<string, (() => void) | undefined>();
let hooked = false;

function remove(d: string): void {
  try {
    live.get(d)?.();
  } finally {
    // retried: a server just told to stop may still be writing its last files
    rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
  }
}

function removeAll(): void {
  for (const d of live.keys()) remove(d);
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  // Alone, a listener would keep the process alive: do what Node does without one. When the
  // program (or its runner) listens too, it decides how to end.
  if (process.listenerCount(signal) === 1) {
    unhook();
    process.kill(process.pid, signal);
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', removeAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function unhook(): void {
  hooked = false;
  process.off('exit', removeAll);
  for (const s of SIGNALS) process.off(s, onSignal);
}

/**
 * A fresh folder for one database, named after this process and marked with its owner;
 * `beforeRemove` runs (synchronously) before it is removed, at close, exit or a signal.
 */
export function createWorkDir(beforeRemove?: () => void): string {
  const d = mkdtempSync(join(workBase(), `${WORK_PREFIX}${process.pid}-`));
  live.set(d, beforeRemove);
  hook();
  writeFileSync(join(d, OWNER_FILE), JSON.stringify({ ...ownerStamp(), created: new Date().toISOString() }));
  return d;
}

export function removeWorkDir(d: string): void {
  remove(d);
  live.delete(d);
  if (live.size === 0) unhook();
}

export interface WorkDirInfo {
  path: string;
  /** undefined for a copy made by an earlier build (no owner recorded) */
  owner: OwnerStamp | undefined;
  state: 'alive' | 'dead' | 'unknown';
}

/**
 * Which of these folders some process has a file open in (a live PGlite keeps its relation files
 * open), from /proc (Linux; only this user's processes are readable unless root, and only this
 * user's folders are asked about). undefined where there is no /proc.
 */
function foldersInUse(folders: string[]): Set<string> | undefined {
  if (folders.length === 0) return new Set();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  const used = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      for (const f of folders) if (target.startsWith(`${f}/`)) used.add(f);
    }
  }
  return used;
}

function readOwner(dir: string, pid: number): OwnerStamp {
  try {
    return JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as OwnerStamp;
  } catch {
    // made a moment ago (the file follows the folder) or damaged: the PID in the name still holds
    return { pid, host: ownerStamp().host };
  }
}

/** This user's working copies in every place they may be, with whether their owner still runs. */
export function listWorkDirs(env: NodeJS.ProcessEnv = process.env): WorkDirInfo[] {
  const uid = process.getuid?.();
  const out: WorkDirInfo[] = [];
  for (const base of workBases(env)) {
    let names: string[];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = NAME.exec(name);
      const legacy = !m && LEGACY.test(name);
      if (!m && !legacy) continue;
      const path = join(base, name);
      let mtimeMs: number;
      try {
        const st = lstatSync(path);
        if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue; // another user's
        mtimeMs = st.mtimeMs;
      } catch {
        continue; // removed meanwhile
      }
      if (m) {
        const owner = readOwner(path, Number(m[1]));
        out.push({ path, owner, state: ownerState(owner) });
      } else {
        out.push({ path, owner: undefined, state: Date.now() - mtimeMs < LEGACY_GRACE_MS ? 'alive' : 'unknown' });
      }
    }
  }
  const legacy = out.filter((w) => w.owner === undefined && w.state === 'unknown');
  const used = foldersInUse(legacy.map((w) => w.path));
  if (used) for (const w of legacy) w.state = used.has(w.path) ? 'alive' : 'dead';
  return out;
}

/** Removes the working copies whose owner is gone; returns their paths. */
export function sweepWorkDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const removed: string[] = [];
  for (const w of listWorkDirs(env)) {
    if (w.state !== 'dead' || live.has(w.path)) continue;
    try {
      rmSync(w.path, { recursive: true, force: true, maxRetries: 5, retryDelay: 20 });
      removed.push(w.path);
    } catch {
      // still being written (a server stopping): the next sweep
    }
  }
  return removed;
}

let swept = false;
/** The sweep, once per process (a start calls it; it costs a directory listing or two). */
export function sweepWorkDirsOnce(): void {
  if (swept) return;
  swept = true;
  try {
    sweepWorkDirs();
  } catch {
    // best effort: a leftover costs memory, never correctness
  }
}
