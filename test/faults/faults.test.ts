/**
 * The fault script: runs of the built package killed with SIGKILL and SIGINT at random moments
 * of a cold start, a warm start, a request and reset(), twenty times, on the embedded backend
 * and (when PG_RLS_TEST_URL is a loopback server) the url backend. After each kill the next run
 * must pass; at the end no working copy and no throw-away database of a killed run may be left
 * (the starts after them sweep), and every cache entry must be whole.
 *
 * Bounded: 20 kills, each child given 30 s (a hang fails the test). Random but reproducible:
 * PGRLS_FAULT_SEED=<n> replays a run (the seed is printed with the counts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { unpack } from '../../src/backends/archive.js';
import { listEntries } from '../../src/backends/cache.js';
import { hostTag } from '../../src/backends/owner.js';
import { SERVER_URL } from '../helpers/backends.js';
import { runChild, type Child, type ChildConfig } from '../helpers/child.js';
import { assertBuilt } from '../runners/built.js';

const KILLS = 20;
const CHILD_LIMIT_MS = 30_000;
const SCHEMA = `CREATE TABLE faulty (id serial PRIMARY KEY, owner text DEFAULT auth.user_id());
ALTER TABLE faulty ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON faulty USING (owner = (SELECT auth.user_id()));`;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const serverUrl = SERVER_URL && LOOPBACK.has(new URL(SERVER_URL).hostname) ? SERVER_URL : undefined;

type Phase = 'cold start' | 'warm start' | 'request' | 'reset()';
type Signal = 'SIGKILL' | 'SIGINT';
type BackendName = 'embedded' | 'url';
interface Case {
  phase: Phase;
  signal: Signal;
  backend: BackendName;
}

/** mulberry32: a small seeded generator, so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `pgrls-fault-${name}-`));
  dirs.push(d);
  return d;
};
const WORK = tempDir('work');
const WARM = tempDir('warm');
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeAll(() => assertBuilt());

const optionsFor = (backend: BackendName) => (backend === 'url' ? { backend: 'url' as const, url: serverUrl, sql: SCHEMA } : { backend: 'embedded' as const, sql: SCHEMA });

async function bounded(child: Child): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.proc.kill('SIGKILL');
      reject(new Error(`a child hung for ${CHILD_LIMIT_MS} ms:\n${child.output()}`));
    }, CHILD_LIMIT_MS);
  });
  try {
    return await Promise.race([child.exited, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function timedStart(config: ChildConfig, env: Record<string, string>): Promise<number> {
  const t0 = Date.now();
  const child = runChild(config, env);
  const exit = await bounded(child);
  expect(exit, child.output()).toEqual({ code: 0, signal: null });
  return Date.now() - t0;
}

test('runs killed at random moments never hurt the next run, and leave nothing behind', async () => {
  const seed = Number(process.env.PGRLS_FAULT_SEED ?? Date.now() % 1_000_000);
  const rnd = random(seed);
  const backends: BackendName[] = serverUrl ? ['embedded', 'url'] : ['embedded'];
  const phases: Phase[] = ['cold start', 'warm start', 'request', 'reset()'];
  const cases: Case[] = [];
  for (const backend of backends) for (const phase of phases) for (const signal of ['SIGKILL', 'SIGINT'] as const) cases.push({ phase, signal, backend });
  while (cases.length < KILLS) cases.push({ phase: phases[Math.floor(rnd() * 4)]!, signal: rnd() < 0.5 ? 'SIGKILL' : 'SIGINT', backend: backends[Math.floor(rnd() * backends.length)]! });
  for (let i = cases.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }

  // how long starts take here and now, to kill inside them
  const startMs: Record<string, number> = {};
  for (const backend of backends) {
    const coldCache = tempDir('cold');
    startMs[`${backend} cold start`] = await timedStart({ mode: 'start', options: optionsFor(backend) }, { PG_RLS_TEST_WORKDIR: WORK, PG_RLS_TEST_CACHE_DIR: coldCache });
    startMs[`${backend} warm start`] = await timedStart({ mode: 'start', options: optionsFor(backend) }, { PG_RLS_TEST_WORKDIR: WORK, PG_RLS_TEST_CACHE_DIR: WARM });
  }

  const killed: { pid: number; c: Case; finishedFirst: boolean }[] = [];
  const caches = new Set([WARM]);
  let nextPassed = 0;
  for (const c of cases) {
    const cache = c.phase === 'cold start' ? tempDir('cold') : WARM;
    caches.add(cache);
    const env = { PG_RLS_TEST_WORKDIR: WORK, PG_RLS_TEST_CACHE_DIR: cache };
    const options = optionsFor(c.backend);
    const mode = c.phase === 'request' ? 'requests' : c.phase === 'reset()' ? 'reset' : 'start';
    const child = runChild({ mode, options }, env);
    if (mode === 'start') {
      await new Promise((r) => setTimeout(r, rnd() * startMs[`${c.backend} ${c.phase}`]!));
    } else {
      await child.reached(mode === 'requests' ? 'request' : 'reset');
      await new Promise((r) => setTimeout(r, rnd() * (mode === 'requests' ? 50 : 400)));
    }
    child.proc.kill(c.signal);
    const exit = await bounded(child);
    // a start can win the race and end by itself (it printed "done" and exited 0)
    const finishedFirst = exit.code === 0 && child.output().includes('\ndone');
    if (!finishedFirst) expect(exit.signal, `${c.phase} ${c.backend} ${c.signal}:\n${child.output()}`).toBe(c.signal); // SIGINT ends it too
    killed.push({ pid: child.pid, c, finishedFirst });

    for (const e of listEntries(cache)) await expect(unpack(readFileSync(e.path)), `entry ${e.path} after ${c.phase} ${c.signal}`).resolves.toBeDefined();
    const next = runChild({ mode: 'reset', count: 1, options }, env);
    const nextExit = await bounded(next);
    expect(nextExit, `the run after ${c.phase} ${c.backend} ${c.signal}:\n${next.output()}`).toEqual({ code: 0, signal: null });
    nextPassed += 1;
  }

  // Leftovers, after the starts that followed the kills have swept.
  const copies = readdirSync(WORK).filter((n) => killed.some((k) => n.startsWith(`pg-rls-test-${k.pid}-`)));
  let databases: string[] = [];
  if (serverUrl) {
    await new Promise((r) => setTimeout(r, 300)); // the server ends a killed client's session
    const last = runChild({ mode: 'start', options: optionsFor('url') }, { PG_RLS_TEST_WORKDIR: WORK, PG_RLS_TEST_CACHE_DIR: WARM });
    expect(await bounded(last), last.output()).toEqual({ code: 0, signal: null });
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`pgrls\\_${hostTag()}\\_%`]);
    await admin.end();
    databases = rows.map((r) => r.datname).filter((d) => killed.some((k) => d.includes(`_${k.pid}_`)));
  }
  let halfWritten = 0;
  let temps = 0;
  for (const cache of caches) {
    temps += readdirSync(cache).filter((n) => n.endsWith('.tmp')).length;
    for (const e of listEntries(cache)) await unpack(readFileSync(e.path)).catch(() => (halfWritten += 1));
  }

  const count = (f: (k: (typeof killed)[number]) => boolean) => killed.filter(f).length;
  process.stderr.write(
    `pg-rls-test faults (seed ${seed}): ${killed.length} runs killed (SIGKILL ${count((k) => k.c.signal === 'SIGKILL')}, SIGINT ${count((k) => k.c.signal === 'SIGINT')}; ` +
      `${phases.map((p) => `${p} ${count((k) => k.c.phase === p)}`).join(', ')}; ${backends.map((b) => `${b} ${count((k) => k.c.backend === b)}`).join(', ')}; ` +
      `${count((k) => k.finishedFirst)} had finished before the signal), ${nextPassed} next runs passed; ` +
      `left over: ${copies.length} working copies, ${databases.length} databases, ${halfWritten} half-written entries, ${temps} temp files\n`,
  );
  expect(killed).toHaveLength(KILLS);
  expect(nextPassed).toBe(KILLS);
  expect(copies).toEqual([]);
  expect(databases).toEqual([]);
  expect(halfWritten).toBe(0);
  expect(temps).toBe(0);
}, 600_000);
