/**
 * The url backend's throw-away databases on a real server (PostgreSQL 15 in CI): named after
 * their owner; dropped by close(), also after failures; those of a killed run dropped by the
 * next start; a live run's, a connected one's and every other database kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../src/index.js';
import { hostTag } from '../../src/backends/owner.js';
import { sweepThrowaways, throwawayNames } from '../../src/backends/throwaway.js';
import type { Connection } from '../../src/backends/types.js';
import { SERVER_URL } from '../helpers/backends.js';
import { runChild } from '../helpers/child.js';
import { assertBuilt } from '../runners/built.js';

const describeServer = SERVER_URL ? describe : describe.skip;

describeServer('throw-away databases on the server', () => {
  let admin: pg.Client;
  let conn: Connection;
  const CACHE = mkdtempSync(join(tmpdir(), 'pgrls-throwaway-'));
  const options = { backend: 'url' as const, url: SERVER_URL, sql: 'CREATE TABLE t (id int)' };
  const databases = async (like: string) =>
    (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname', [like])).rows.map((r) => r.datname);
  const ofPid = (pid: number) => databases(`pgrls\\_${hostTag()}\\_${pid}\\_%`);

  beforeAll(async () => {
    assertBuilt();
    admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    conn = { query: async (sql, params) => ({ ...(await admin.query(sql, params as unknown[])), fields: [] }) as never, exec: async () => [] };
  });
  afterAll(async () => {
    await admin.query('DROP DATABASE IF EXISTS "pgrls_not_ours"');
    await admin.end();
    rmSync(CACHE, { recursive: true, force: true });
  });

  test('names carry host, PID and time; the template records the owner; close() drops both, also after failures', async () => {
    const names = throwawayNames(Date.UTC(2026, 0, 1));
    expect(names.stem).toMatch(new RegExp(`^pgrls_${hostTag()}_${process.pid}_${Date.UTC(2026, 0, 1).toString(36)}_[0-9a-f]{4}$`));
    expect(names.template).toBe(`${names.stem}_tpl`);
    const db = await createTestDatabase(options);
    const mine = await ofPid(process.pid);
    expect(mine).toHaveLength(2);
    const { rows } = await admin.query(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [mine.find((d) => d.endsWith('_tpl'))]);
    expect(JSON.parse(rows[0].c)['pg-rls-test']).toMatchObject({ pid: process.pid, created: expect.any(String) });
    await expect(db.owner.query('SELECT * FROM nosuch')).rejects.toThrow('relation "nosuch" does not exist');
    await db.close();
    expect(await ofPid(process.pid)).toEqual([]);
  });

  test('a killed run\'s databases are dropped by the next start; a live run\'s are kept', async () => {
    const env = { PG_RLS_TEST_CACHE_DIR: CACHE };
    const killed = runChild({ mode: 'hold', options }, env);
    const live = runChild({ mode: 'hold', options }, env);
    await Promise.all([killed.reached('holding'), live.reached('holding')]);
    killed.proc.kill('SIGKILL');
    await killed.exited;
    expect(await ofPid(killed.pid)).toHaveLength(2);
    const next = runChild({ mode: 'start', options }, env);
    expect(await next.exited, next.output()).toEqual({ code: 0, signal: null });
    expect(await ofPid(killed.pid)).toEqual([]);
    expect(await ofPid(live.pid)).toHaveLength(2);
    expect((await sweepThrowaways(conn)).filter((d) => d.includes(`_${live.pid}_`))).toEqual([]);
    live.proc.kill('SIGKILL');
    await live.exited;
    await new Promise((r) => setTimeout(r, 200)); // the server notices the closed connection
    await sweepThrowaways(conn);
    expect(await ofPid(live.pid)).toEqual([]);
  }, 60_000);

  test('never touched: other databases, a young database of unknown owner, one someone is connected to', async () => {
    await admin.query('CREATE DATABASE "pgrls_not_ours"');
    const young = `pgrls_${Date.now().toString(36)}_abcdef`; // the old naming: judged by age
    const old = `pgrls_${(Date.now() - 3 * 24 * 3600_000).toString(36)}_abcdef`;
    const deadButUsed = `pgrls_${hostTag()}_2147483646_${Date.now().toString(36)}_abcd`;
    for (const d of [young, old, deadButUsed]) await admin.query(`CREATE DATABASE "${d}"`);
    const user = new pg.Client({ connectionString: SERVER_URL!.replace(/\/[^/]*$/, `/${deadButUsed}`) });
    await user.connect();
    try {
      const dropped = await sweepThrowaways(conn);
      expect(dropped).toContain(old);
      expect(dropped).not.toContain(young);
      expect(dropped).not.toContain(deadButUsed);
      expect(await databases('pgrls\\_not\\_ours')).toEqual(['pgrls_not_ours']);
    } finally {
      await user.end();
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(await sweepThrowaways(conn)).toContain(deadButUsed); // nobody connected any more, owner gone
    await admin.query(`DROP DATABASE IF EXISTS "${young}"`);
  });
});
