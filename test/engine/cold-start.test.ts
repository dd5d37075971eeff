/**
 * Cold starts in separate processes, as parallel test workers and interrupted runs make them:
 * racing builders of one schema all succeed and leave one entry; a run killed at any moment of
 * a cold start never breaks the next one nor leaves a half-written entry.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { unpack } from '../../src/backends/archive.js';
import { listEntries } from '../../src/backends/cache.js';
import { assertBuilt } from '../runners/built.js';
import { runChild } from '../helpers/child.js';

const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `pgrls-${name}-`));
  dirs.push(d);
  return d;
};
const WORK = tempDir('cold-work');
beforeAll(() => assertBuilt());
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every entry unpacks (no half-written one), and no temp file is taken for an entry. */
async function expectWholeEntries(cache: string): Promise<number> {
  const entries = listEntries(cache);
  for (const e of entries) await expect(unpack(readFileSync(e.path))).resolves.toBeDefined();
  return entries.length;
}

test('four processes cold-starting the same schema at once all succeed and leave one entry', async () => {
  const cache = tempDir('cold-race');
  const env = { PG_RLS_TEST_CACHE_DIR: cache, PG_RLS_TEST_WORKDIR: WORK };
  const runs = Array.from({ length: 4 }, () => runChild({ mode: 'requests', count: 3, options: { sql: 'CREATE TABLE raced (id int)' } }, env));
  const exits = await Promise.all(runs.map((r) => r.exited));
  exits.forEach((e, i) => expect(e, runs[i]!.output()).toEqual({ code: 0, signal: null }));
  expect(await expectWholeEntries(cache)).toBe(1);
  expect(readdirSync(cache).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(readdirSync(WORK).filter((n) => runs.some((r) => n.startsWith(`pg-rls-test-${r.pid}-`)))).toEqual([]);
}, 120_000);

test('a run killed at any moment of a cold start never breaks the next one', async () => {
  const options = { sql: 'CREATE TABLE interrupted (id int)' };
  const calibrate = tempDir('cold-calibrate');
  const t0 = Date.now();
  const first = runChild({ mode: 'start', options }, { PG_RLS_TEST_CACHE_DIR: calibrate, PG_RLS_TEST_WORKDIR: WORK });
  expect((await first.exited).code, first.output()).toBe(0);
  const coldMs = Date.now() - t0;
  for (const fraction of [0.15, 0.4, 0.65, 0.9]) {
    const cache = tempDir('cold-kill');
    const env = { PG_RLS_TEST_CACHE_DIR: cache, PG_RLS_TEST_WORKDIR: WORK };
    const killed = runChild({ mode: 'start', options }, env);
    await new Promise((r) => setTimeout(r, coldMs * fraction));
    killed.proc.kill('SIGKILL');
    await killed.exited;
    await expectWholeEntries(cache);
    const next = runChild({ mode: 'requests', count: 2, options }, env);
    expect(await next.exited, next.output()).toEqual({ code: 0, signal: null });
    expect(await expectWholeEntries(cache)).toBe(1);
    expect(readdirSync(WORK).filter((n) => n.startsWith(`pg-rls-test-${killed.pid}-`))).toEqual([]);
  }
}, 180_000);
