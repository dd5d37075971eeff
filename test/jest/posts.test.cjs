// The posts example in Jest: the matchers registered by setupFilesAfterEnv: ['pg-rls-test/jest'].
// CommonJS, Jest's default mode: no transform, no flags.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { createTestDatabase, DataApiError } = require('pg-rls-test');

const POSTS = readFileSync(join(__dirname, '../../examples/posts/migrations/001_posts.sql'), 'utf8');

// embedded by default (Jest needs NODE_OPTIONS=--experimental-vm-modules for PGlite); the url backend needs no flag
const backend = process.env.PGRLS_JEST_BACKEND === 'url' ? { backend: 'url', url: process.env.PG_RLS_TEST_URL } : {};

let db, alice, bob;
beforeAll(async () => {
  db = await createTestDatabase({
    ...backend,
    sql: [POSTS, "INSERT INTO posts (user_id, content, is_published) VALUES ('user-alice', 'alice: a draft', false), ('user-bob', 'Hello from bob', true)"],
  });
  alice = db.user('alice', { sub: 'user-alice' });
  bob = db.user('bob', { sub: 'user-bob' });
});
afterAll(() => db?.close());

describe('posts, in Jest', () => {
  test('RLS and the grants the Data API needs', async () => {
    await expect(db.table('posts')).toHaveRlsEnabled();
    await expect(db.table('posts')).not.toHaveRlsEnabled({ forced: true });
    await expect(db.table('posts')).toGrantCrudTo('authenticated');
    await expect(db.table('posts')).not.toGrantCrudTo('anonymous');
  });

  test('drafts are visible only to their author; published posts to every signed-in user', async () => {
    await expect(db.rows('posts', { user_id: 'user-alice', is_published: false })).toBeVisibleOnlyTo(alice);
    await expect(db.rows('posts', { is_published: true })).toBeVisibleOnlyTo([alice, bob]);
    await expect(db.rows('posts', { is_published: true })).not.toBeVisibleTo(db.anonymous);
  });

  test('writes as someone else are denied', async () => {
    await expect(db.as(bob).insert('posts', { user_id: 'user-alice', content: 'forged' })).toBeDeniedByRls();
    await expect(db.as(bob).update('posts', { content: 'x' }, { user_id: 'user-alice' })).toBeDeniedByRls();
    await expect(db.as(alice).insert('posts', { content: 'mine' })).not.toBeDeniedByRls();
  });

  test('tokens: a valid sub claim, and a token without one', async () => {
    await expect(alice).toHaveValidSubClaim();
    await expect(await db.mintJwt({ role: 'authenticated' })).not.toHaveValidSubClaim();
    await expect(db.as(await db.mintJwt({ sub: 'x' }, { expiresIn: '-1h' })).query('select 1')).rejects.toBeInstanceOf(DataApiError);
  });

  test('policies by name, RLS of a schema, and a refused request\'s error (docs/migrating.md)', async () => {
    await expect(db.schema('public')).toHaveRlsEnabled();
    expect((await db.tables()).map((t) => t.name)).toEqual(['public.posts']);
    await expect(db.table('posts')).toHavePolicies(['Public read access', 'Users can insert their own posts', 'Users can update their own posts', 'Users can delete their own posts']);
    await expect(db.table('posts')).toHavePolicy('Public read access', { command: 'select', roles: ['authenticated'] });
    await expect(db.table('posts')).not.toHavePolicy('Public read access', { roles: 'public' });
    const forged = () => db.as(bob).insert('posts', { user_id: 'user-alice', content: 'forged' });
    await expect(forged()).rejects.toThrow(DataApiError);
    await expect(forged()).rejects.toMatchObject({ status: 403, code: '42501', message: 'new row violates row-level security policy for table "posts"' });
    await expect(db.as(bob).update('posts', { content: 'x' }, { user_id: 'user-alice' })).resolves.toEqual({ rowCount: 0 });
  });

  test('a failing matcher rejects with the explaining message', async () => {
    await expect(expect(db.table('posts')).toHaveRlsEnabled({ forced: true })).rejects.toThrow(
      'ALTER TABLE "public"."posts" FORCE ROW LEVEL SECURITY;',
    );
    await expect(expect(db.rows('posts', { is_published: true })).toBeVisibleOnlyTo(alice)).rejects.toThrow(/bob/);
  });

  test('asymmetric matchers registered after the setup file still reach the global expect', () => {
    expect.extend({ toBeWithinRange: (n, lo, hi) => ({ pass: n >= lo && n <= hi, message: () => `${n} in ${lo}..${hi}` }) });
    expect({ n: 2 }).toEqual({ n: expect.toBeWithinRange(1, 3) });
  });
});
