/**
 * Working copies never outlive their run: close(), exit without close(), SIGINT and SIGTERM
 * remove them; what `kill -9` leaves is swept by the next start; a live process's copy and another
 * OS user's are never touched. Runs of the built package in child processes (test/helpers/child.ts).
 */
import { chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { listWorkDirs, sweepWorkDirs } from '../../src/backends/workdirs.js';
import { ownerStamp } from '../../src/backends/owner.js';
import { assertBuilt } from '../runners/built.js';
import { runChild } from '../helpers/child.js';

const WORK = mkdtempSync(join(tmpdir(), 'pgrls-workdirs-'));
const CACHE = mkdtempSync(join(tmpdir(), 'pgrls-workdirs-cache-'));
const ENV = { PG_RLS_TEST_WORKDIR: WORK, PG_RLS_TEST_CACHE_DIR: CACHE };
const options = { sql: 'CREATE TABLE t (id int)' };
const copiesOf = (pid: number) => readdirSync(WORK).filter((n) => n.startsWith(`pg-rls-test-${pid}-`));

beforeAll(async () => {
  assertBuilt();
  await runChild({ mode: 'start', options }, ENV).exited; // the cache entry, so the runs below start quickly
}, 60_000);
afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  rmSync(CACHE, { recursive: true, force: true });
});

test('close() removes the working copy, and so does an exit without close()', async () => {
  const closed = runChild({ mode: 'start', options }, ENV);
  expect(await closed.exited).toEqual({ code: 0, signal: null });
  expect(copiesOf(closed.pid)).toEqual([]);
  const unclosed = runChild({ mode: 'start', options, noClose: true }, ENV);
  expect(await unclosed.exited).toEqual({ code: 0, signal: null });
  expect(unclosed.output()).toContain('done');
  expect(copiesOf(unclosed.pid)).toEqual([]);
}, 60_000);

test.each(['SIGINT', 'SIGTERM'] as const)('%s removes the working copy, and the process still ends by that signal', async (signal) => {
  const child = runChild({ mode: 'hold', options }, ENV);
  await child.reached('holding');
  expect(copiesOf(child.pid)).toHaveLength(1);
  child.proc.kill(signal);
  expect(await child.exited).toEqual({ code: null, signal });
  expect(copiesOf(child.pid)).toEqual([]);
}, 60_000);

test('what SIGKILL leaves is swept by the next start; a live owner\'s copy is kept', async () => {
  const killed = runChild({ mode: 'hold', options }, ENV);
  const live = runChild({ mode: 'hold', options }, ENV);
  await Promise.all([killed.reached('holding'), live.reached('holding')]);
  killed.proc.kill('SIGKILL');
  await killed.exited;
  expect(copiesOf(killed.pid)).toHaveLength(1); // nothing can run on SIGKILL
  const listed = listWorkDirs(ENV).filter((w) => w.path.startsWith(WORK));
  expect(listed.find((w) => w.owner?.pid === killed.pid)).toMatchObject({ state: 'dead', owner: { host: hostname() } });
  expect(listed.find((w) => w.owner?.pid === live.pid)).toMatchObject({ state: 'alive' });

  const next = runChild({ mode: 'start', options }, ENV);
  expect(await next.exited).toEqual({ code: 0, signal: null });
  expect(copiesOf(killed.pid)).toEqual([]);
  expect(copiesOf(live.pid)).toHaveLength(1);
  live.proc.kill('SIGTERM');
  await live.exited;
  expect(copiesOf(live.pid)).toEqual([]);
}, 60_000);

test.skipIf(ownerStamp().start === undefined)('a reused PID does not keep a dead owner\'s copy: the owner file records the process start time (Linux)', () => {
  const me = ownerStamp();
  const reused = join(WORK, `pg-rls-test-${process.pid}-reused`);
  mkdirSync(reused);
  writeFileSync(join(reused, 'owner.json'), JSON.stringify({ ...me, start: me.start! - 1 }));
  const mine = join(WORK, `pg-rls-test-${process.pid}-mine00`);
  mkdirSync(mine);
  writeFileSync(join(mine, 'owner.json'), JSON.stringify(me));
  const removed = sweepWorkDirs(ENV);
  expect(removed).toContain(reused);
  expect(existsSync(reused)).toBe(false);
  expect(existsSync(mine)).toBe(true);
  rmSync(mine, { recursive: true, force: true });
});

test.skipIf(process.getuid?.() !== 0)('another OS user\'s copy, and folders not named like ours, are never touched (run as root)', () => {
  const theirs = join(WORK, 'pg-rls-test-2147483646-theirs');
  mkdirSync(theirs);
  chownSync(theirs, 65534, 65534);
  const other = join(WORK, 'pg-rls-test-something-else');
  mkdirSync(other);
  const dead = join(WORK, 'pg-rls-test-2147483646-dead00');
  mkdirSync(dead);
  expect(sweepWorkDirs(ENV)).toContain(dead);
  expect(existsSync(theirs)).toBe(true);
  expect(existsSync(other)).toBe(true);
  expect(existsSync(dead)).toBe(false);
});

test.skipIf(!existsSync('/proc/self/fd'))('copies of earlier builds (no owner recorded): removed when no process has a file open in them and they are over a minute old', () => {
  const old = new Date(Date.now() - 120_000);
  const make = (name: string) => {
    const d = join(WORK, name);
    mkdirSync(join(d, 'data'), { recursive: true });
    writeFileSync(join(d, 'data', 'PG_VERSION'), '18\n');
    return d;
  };
  const abandoned = make('pg-rls-test-Ab1234');
  const used = make('pg-rls-test-Us1234');
  const young = make('pg-rls-test-Yo1234');
  utimesSync(abandoned, old, old);
  utimesSync(used, old, old);
  const fd = openSync(join(used, 'data', 'PG_VERSION'), 'r'); // as a live PGlite keeps its files open
  try {
    const removed = sweepWorkDirs(ENV);
    expect(removed).toContain(abandoned);
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(used)).toBe(true);
    expect(existsSync(young)).toBe(true);
  } finally {
    closeSync(fd);
    rmSync(used, { recursive: true, force: true });
    rmSync(young, { recursive: true, force: true });
  }
});
