import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { BACKENDS, forEachBackend, SERVER_URL } from '../helpers/backends.js';
import { ALICE, BOB, POSTS_SEED, POSTS_SQL } from '../helpers/schemas.js';
import { hasContainerRuntime } from '../helpers/global-setup.js';

const here = (p: string) => new URL(p, import.meta.url).pathname;

forEachBackend((backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      ...backend.options,
      migrations: here('./migrations-ok'),
      sql: [POSTS_SQL, POSTS_SEED],
      seed: async (owner) => {
        await owner.insert('m1', { id: 99 });
      },
    });
  });
  afterAll(() => db?.close());

  test('migrations run in numeric name order, then inline SQL, then the seed', async () => {
    // 1_first creates m1, 2_second inserts count(*) = 0, 10_third inserts 10 (name order would put 10 before 2)
    const { rows } = await db.owner.query('SELECT id FROM m1 ORDER BY id');
    expect(rows).toEqual([{ id: 0 }, { id: 10 }, { id: 99 }]);
  });

  test('each request is rolled back; owner statements commit until reset()', async () => {
    const alice = db.user('alice', { sub: ALICE });
    await db.as(alice).insert('posts', { content: 'gone after the request' });
    const count = async () => Number((await db.owner.query('SELECT count(*)::int AS n FROM posts')).rows[0]!.n);
    expect(await count()).toBe(4);
    await db.owner.insert('posts', { user_id: BOB, content: 'kept' });
    expect(await count()).toBe(5);
    await db.reset();
    expect(await count()).toBe(4);
    await db.reset(); // nothing committed since: a no-op
    expect(await count()).toBe(4);
  });

  test('transactions: several statements as one user, rolled back; errors rethrown unchanged', async () => {
    const alice = db.user('alice', { sub: ALICE });
    const n = await db.as(alice).transaction(async (tx) => {
      await tx.insert('posts', { content: 'a' });
      await tx.update('posts', { content: 'b' }, { content: 'a' });
      return (await tx.query(`SELECT count(*)::int AS n FROM posts WHERE content = $1`, ['b'])).rows[0]!.n;
    });
    expect(n).toBe(1);
    const boom = new Error('boom');
    await expect(db.as(alice).transaction(async (tx) => {
      await tx.insert('posts', { content: 'c' });
      throw boom;
    })).rejects.toBe(boom);
    await expect(db.owner.transaction(async (tx) => {
      await tx.query('DELETE FROM posts');
      throw boom;
    })).rejects.toBe(boom);
    expect((await db.owner.query('SELECT count(*)::int AS n FROM posts')).rows[0]!.n).toBe(4);
    // lookups inside a transaction use its connection: a table created there can be written to, and is gone after
    const made = await db.owner.transaction(async (tx) => {
      await tx.query('CREATE TABLE made_in_tx (id int PRIMARY KEY, note text)');
      return (await tx.insert('made_in_tx', { id: 1, note: 'x' }, { returning: true })).rows;
    });
    expect(made).toEqual([{ id: 1, note: 'x' }]);
    await expect(db.owner.insert('made_in_tx', { id: 2 })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
    // the connection is usable afterwards, and a nested call on db (not tx) is refused instead of hanging
    await expect(db.as(alice).transaction(async () => db.as(alice).query('select 1'))).rejects.toThrow(
      'db.as(...).query() was called inside a transaction() callback of the same database: use the callback\'s `tx` argument',
    );
    expect((await db.as(alice).query('select 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  test('Postgres errors come back as DataApiError with the SQLSTATE and the API status', async () => {
    const bob = db.user('bob', { sub: BOB });
    await expect(db.as(bob).insert('posts', { user_id: ALICE, content: 'x' })).rejects.toMatchObject({
      name: 'DataApiError', status: 403, code: '42501', message: 'new row violates row-level security policy for table "posts"', detail: null, hint: null,
    });
    await expect(db.as(db.anonymous).query('SELECT * FROM posts')).rejects.toMatchObject({ status: 401, code: '42501', message: 'permission denied for table posts' });
    await expect(db.as(bob).query('SELECT nope FROM posts')).rejects.toMatchObject({ status: 400, code: '42703', message: 'column "nope" does not exist' });
  });

  test('the auth stub follows pg_session_jwt', async () => {
    const q = (token: string) => db.as(token).query(`SELECT auth.session() AS s, auth.user_id() AS uid, auth.uid() AS u, auth.organization() AS o, auth.organization_id() AS oid`);
    const { rows } = await q(await db.mintJwt({ sub: 'not-a-uuid', o: { id: 'org_1', role: 'admin' } }));
    expect(rows[0]).toMatchObject({ uid: 'not-a-uuid', u: null, o: { id: 'org_1', role: 'admin' }, oid: 'org_1' });
    const alice = db.user('alice-uuid');
    expect((await db.as(alice).query('SELECT auth.uid()::text AS u')).rows[0]).toEqual({ u: alice.sub });
    expect((await db.as(db.anonymous).query('SELECT auth.session() AS s, auth.jwt() AS j, auth.user_id() AS uid')).rows[0]).toEqual({ s: null, j: null, uid: null });
    const set = await db.as(db.anonymous).transaction(async (tx) => {
      await tx.query(`SELECT auth.init(), auth.jwt_session_init($1)`, [await alice.token]);
      return (await tx.query('SELECT auth.user_id() AS uid')).rows[0];
    });
    expect(set).toEqual({ uid: alice.sub });
  });

  test('unknown tables and columns name the close matches', async () => {
    const alice = db.user('alice', { sub: ALICE });
    await expect(db.as(alice).insert('post', { content: 'x' })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE', message: 'table "post" does not exist; did you mean "posts"?', candidates: ['posts'] });
    await expect(db.as(alice).update('posts', { contents: 'x' }, { id: 1 })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_COLUMN', message: 'column of public.posts "contents" does not exist; did you mean "content"?' });
  });
});

describe('setup errors', () => {
  const options = BACKENDS[0]!.options;

  test('a malformed migration names the file, the line and the SQLSTATE', async () => {
    await expect(createTestDatabase({ ...options, migrations: here('./migrations-bad') })).rejects.toMatchObject({
      name: 'MigrationFailedError',
      code: 'ERR_PGRLS_MIGRATION_FAILED',
      message: `migration ${here('./migrations-bad/001_broken.sql')}:3 failed: syntax error at or near "CREAT" (SQLSTATE 42601)`,
      line: 3,
      sqlState: '42601',
    });
    await expect(createTestDatabase({ ...options, sql: ['select 1', 'select * from nowhere'] })).rejects.toMatchObject({
      message: 'migration sql[1]:1 failed: relation "nowhere" does not exist (SQLSTATE 42P01)',
    });
    await expect(createTestDatabase({ ...options, migrations: here('./no-such-folder') })).rejects.toMatchObject({ code: 'ERR_PGRLS_MIGRATION_FAILED', message: `migration ${here('./no-such-folder')} failed: the "migrations" folder does not exist` });
  });

  test('a failing seed', async () => {
    await expect(createTestDatabase({ ...options, seed: async (owner) => { await owner.query('select * from nowhere'); } })).rejects.toMatchObject({
      code: 'ERR_PGRLS_SEED_FAILED', message: 'the seed function failed: relation "nowhere" does not exist',
    });
  });

  test('bad options are TypeErrors naming the option', async () => {
    await expect(createTestDatabase({ backend: 'mysql' as never })).rejects.toThrow(`"backend" option must be one of 'embedded', 'url', 'testcontainers', 'native', got "mysql"`);
    await expect(createTestDatabase({ migratons: './m' } as never)).rejects.toThrow('unknown option "migratons"');
    await expect(createTestDatabase({ backend: 'url', url: 'mysql://x' })).rejects.toThrow(`"url" option must be a postgres:// URL when backend is 'url'`);
    await expect(createTestDatabase({ dataApi: { alg: 'HS256' as never } })).rejects.toThrow('"dataApi.alg" option must be EdDSA, ES256, RS256, got "HS256"');
  });

  test('a closed database says so', async () => {
    const db = await createTestDatabase(options);
    await db.close();
    await expect(db.as(db.anonymous).query('select 1')).rejects.toMatchObject({ code: 'ERR_PGRLS_DATABASE_CLOSED', message: 'db.as(...).query(): the test database is closed' });
    await expect(db.reset()).rejects.toMatchObject({ code: 'ERR_PGRLS_DATABASE_CLOSED' });
    await db.close(); // twice is fine
  });

  test('several databases at once, each isolated', async () => {
    const [a, b] = await Promise.all([createTestDatabase({ ...options, sql: 'CREATE TABLE only_a (id int)' }), createTestDatabase({ ...options, sql: 'CREATE TABLE only_b (id int)' })]);
    try {
      await expect(a.table('only_a').info()).resolves.toMatchObject({ name: 'only_a' });
      await expect(b.table('only_a').info()).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the preflight refuses roles that bypass RLS', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      sql: `CREATE ROLE app_owner NOLOGIN; CREATE ROLE app_member NOLOGIN; GRANT app_owner TO app_member;
            CREATE ROLE forced_owner NOLOGIN; CREATE ROLE bypasser NOLOGIN BYPASSRLS;
            CREATE TABLE owned (id int); ALTER TABLE owned OWNER TO app_owner;
            CREATE TABLE forced (id int); ALTER TABLE forced OWNER TO forced_owner; ALTER TABLE forced ENABLE ROW LEVEL SECURITY; ALTER TABLE forced FORCE ROW LEVEL SECURITY;`,
    });
  });
  afterAll(() => db?.close());

  test('the owner of a table without FORCE, and a member of that owner', async () => {
    await expect(db.as(db.user('o', { role: 'app_owner' })).query('select 1')).rejects.toMatchObject({
      code: 'ERR_PGRLS_RLS_BYPASS', reason: 'owner', role: 'app_owner', table: 'public.owned',
      message: 'requests would run as role "app_owner", which owns table public.owned without FORCE ROW LEVEL SECURITY: the owner skips its policies, so every RLS test on it would pass',
      hint: 'give the table to another role (ALTER TABLE public.owned OWNER TO <owner role>;), or ALTER TABLE public.owned FORCE ROW LEVEL SECURITY;',
    });
    await expect(db.as(db.user('m', { role: 'app_member' })).query('select 1')).rejects.toMatchObject({
      message: 'requests would run as role "app_member", which is a member of "app_owner", which owns table public.owned without FORCE ROW LEVEL SECURITY: the owner skips its policies, so every RLS test on it would pass',
    });
  });

  test('BYPASSRLS is refused; the owner of a FORCEd table is allowed', async () => {
    await expect(db.as(db.user('b', { role: 'bypasser' })).query('select 1')).rejects.toMatchObject({ code: 'ERR_PGRLS_RLS_BYPASS', reason: 'bypassrls' });
    await expect(db.as(db.user('f', { role: 'forced_owner' })).query('select count(*)::int AS n from forced')).resolves.toMatchObject({ rows: [{ n: 0 }] });
  });
});

describe('url backend specifics', () => {
  test.skipIf(!SERVER_URL)('nothing is left on the server after close(); existing: true commits nothing', async () => {
    const client = new pg.Client({ connectionString: SERVER_URL });
    await client.connect();
    try {
      const db = await createTestDatabase({ backend: 'url', url: SERVER_URL, sql: 'CREATE TABLE t (id int)' });
      const name = db.description.split('/').pop()!.split(' ')[0]!;
      const before = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`, [`${name}%`]);
      expect(before.rows.map((r) => r.datname)).toEqual([name, `${name}_tpl`]);
      await db.close();
      const after = await client.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE $1`, [`${name}%`]);
      expect(after.rows[0].n).toBe(0);

      await client.query('CREATE TABLE IF NOT EXISTS pgrls_existing_check (id int)');
      const existing = await createTestDatabase({ backend: 'url', url: SERVER_URL, existing: true });
      await existing.owner.query('INSERT INTO pgrls_existing_check VALUES (1)');
      await existing.close();
      expect((await client.query('SELECT count(*)::int AS n FROM pgrls_existing_check')).rows[0].n).toBe(0);
      await client.query('DROP TABLE pgrls_existing_check');
    } finally {
      await client.end();
    }
  });

  test('an unreachable server fails fast and names host and port', async () => {
    const started = Date.now();
    const err = await createTestDatabase({ backend: 'url', url: 'postgres://postgres@127.0.0.1:1/postgres' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_PGRLS_BACKEND_UNAVAILABLE' });
    expect(err.message).toMatch(/^cannot connect to the Postgres server at 127\.0\.0\.1:1\/postgres: /);
    expect(err.hint).toContain('backend: "embedded"');
    expect(Date.now() - started).toBeLessThan(5000); // refused at once, not a hang
  });
});

const hasDocker = hasContainerRuntime();

describe('testcontainers backend', () => {
  test('without a container runtime it rejects quickly, naming the other backends', async () => {
    if (hasDocker) return;
    const err = await createTestDatabase({ backend: 'testcontainers' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_PGRLS_BACKEND_UNAVAILABLE', message: 'the testcontainers backend found no container runtime (Could not find a working container runtime strategy)' });
    expect(err.hint).toContain('backend: "embedded"');
    expect(err.hint).toContain('backend: "url"');
  });

  test('without the optional package it says which package to install', async () => {
    const { loadModule } = await import('../../src/backends/testcontainers.js');
    const err = await loadModule(() => import('@testcontainers/postgresql-not-installed' as string) as never).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_PGRLS_BACKEND_UNAVAILABLE', message: 'the testcontainers backend needs the optional package @testcontainers/postgresql, which is not installed' });
    expect(err.hint).toBe('npm install -D @testcontainers/postgresql (11.x on Node 20), or use backend: "embedded" or "url"');
    expect(err.cause).toBeInstanceOf(Error);
  });

  test('the image is configurable, and a failed start names it', async () => {
    const { startContainerBackend, DEFAULT_IMAGE } = await import('../../src/backends/testcontainers.js');
    const images: string[] = [];
    // up to the runtime check: a stand-in for the package whose start() fails as it would
    const fake = (failure: string) => async () =>
      ({
        PostgreSqlContainer: class {
          constructor(image: string) {
            images.push(image);
          }
          start() {
            return Promise.reject(new Error(failure));
          }
        },
      }) as never;
    const err = await startContainerBackend({} as never, { image: 'postgres:15' }, fake('pull access denied for postgres:15')).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_PGRLS_BACKEND_UNAVAILABLE', message: 'the testcontainers backend could not start postgres:15: pull access denied for postgres:15' });
    const none = await startContainerBackend({} as never, {}, fake('Could not find a working container runtime strategy')).catch((e) => e);
    expect(none.message).toBe('the testcontainers backend found no container runtime (Could not find a working container runtime strategy)');
    expect(images).toEqual(['postgres:15', DEFAULT_IMAGE]);
  });

  describe.skipIf(!hasDocker)('with a container runtime (skipped: no container runtime on this machine; needs Docker)', () => {
    test('starts postgres:17-alpine, runs a request, resets and stops', async () => {
      const db = await createTestDatabase({ backend: 'testcontainers', sql: POSTS_SQL });
      try {
        await db.owner.insert('posts', { user_id: ALICE, content: 'x' });
        await db.reset();
        expect((await db.owner.query('SELECT count(*)::int AS n FROM posts')).rows[0]!.n).toBe(0);
      } finally {
        await db.close();
      }
    }, 180_000);
  });
});
