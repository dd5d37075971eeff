/**
 * Who made a working copy, a throw-away database or a half-written cache file, and whether that
 * process still runs: what lets a start remove what a killed run (`kill -9`, a runner that
 * tore its worker down) left behind, and never what a live run still uses.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

export interface OwnerStamp {
  pid: number;
  host: string;
  /** the process's start time in clock ticks since boot (Linux), so a reused PID is not taken for its owner */
  start?: number | undefined;
}

/** Start time of a process from /proc (Linux); undefined elsewhere or when it is gone. */
function startTimeOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count fields after its last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]); // field 22 of the whole line
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

let self: OwnerStamp | undefined;
export function ownerStamp(): OwnerStamp {
  self ??= { pid: process.pid, host: hostname(), start: startTimeOf(process.pid) };
  return self;
}

/** Six hex digits naming this host, short enough for database names. */
export function hostTag(host = hostname()): string {
  return createHash('sha256').update(host).digest('hex').slice(0, 6);
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * 'alive', 'dead', or 'unknown' when the owner ran on another host (a shared /tmp or server):
 * nothing here can tell, so callers leave it alone.
 */
export function ownerState(owner: OwnerStamp): 'alive' | 'dead' | 'unknown' {
  if (owner.host !== ownerStamp().host) return 'unknown';
  if (!pidAlive(owner.pid)) return 'dead';
  if (owner.start !== undefined) {
    const now = startTimeOf(owner.pid);
    if (now !== undefined && now !== owner.start) return 'dead'; // the PID now belongs to another process
  }
  return 'alive';
}
