/**
 * The Neon Data API get-started flow, tested: alice and bob, published posts visible to all
 * signed-in users, drafts only to their author; bob can neither change alice's posts (0 rows, no
 * error) nor post as alice (42501). Runs on the embedded Postgres with nothing installed:
 *   npm run example
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import 'pg-rls-test/vitest';
import { createTestDatabase, type TestDatabase, type User } from 'pg-rls-test';

let db: TestDatabase;
let alice: User;
let bob: User;
let nosub: User;

beforeAll(async () => {
  db = await createTestDatabase({
    migrations: new URL('./migrations', import.meta.url).pathname,
    // rows keyed by the subjects the users below carry in their tokens
    seed: async (owner) => {
      await owner.insert('posts', [
        { user_id: 'user-alice', content: 'Hello from alice', is_published: true },
        { user_id: 'user-alice', content: 'alice: a draft', is_published: false },
        { user_id: 'user-bob', content: 'Hello from bob', is_published: true },
        { user_id: 'user-bob', content: 'bob: a draft', is_published: false },
      ]);
    },
  });
  alice = db.user('alice', { sub: 'user-alice' });
  bob = db.user('bob', { sub: 'user-bob' });
  // a token without sub (auth.user_id() is NULL): every "only" check below tries it too
  nosub = db.user('no-sub', { sub: null });
});
afterAll(() => db?.close());

describe('the schema is ready for the Data API', () => {
  test('RLS is on, each command has its policy, authenticated has what the API needs', async () => {
    await expect(db.table('posts')).toHaveRlsEnabled();
    for (const command of ['select', 'insert', 'update', 'delete'] as const) {
      await expect(db.table('posts')).toHavePolicyFor(command, 'authenticated');
    }
    for (const command of ['select', 'insert', 'update', 'delete'] as const) {
      await expect(db.table('posts')).not.toHavePolicyFor(command, 'anonymous');
    }
    await expect(db.table('posts')).toGrantCrudTo('authenticated');
    await expect(db.table('posts')).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true });
  });

  test('nothing is open to anonymous', async () => {
    await expect(db.table('posts')).toGrant([], 'anonymous', { exactly: true });
    await expect(db.rows('posts', { is_published: true })).not.toBeVisibleTo(db.anonymous);
    await expect(db.as(db.anonymous).query('select * from posts')).toBeDeniedByRls();
  });

  test('tables created later get the grants too (the Data API default privileges)', async () => {
    await expect(db.schema('public')).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { onTablesCreatedBy: 'postgres', exactly: true });
    await expect(db.schema('auth')).toGrant('USAGE', 'authenticated');
    await expect(db.function('auth.user_id()')).toGrant('EXECUTE', 'authenticated');
    await expect(db.column('posts', 'content')).toGrant(['SELECT', 'UPDATE'], 'authenticated');
    // an identity column's sequence needs no grant for inserts (a serial's would: toGrantCrudTo checks that)
    await expect(db.sequence('posts_id_seq')).not.toGrant('USAGE', 'authenticated');
    await expect(db.role('authenticated')).not.toBeMemberOf('postgres');
  });
});

describe('who sees what', () => {
  test('tokens carry a sub that auth.user_id() returns', async () => {
    await expect(alice).toHaveValidSubClaim();
    await expect(await bob.token).toHaveValidSubClaim();
  });

  test('published posts are visible to every signed-in user', async () => {
    await expect(db.rows('posts', { is_published: true })).toBeVisibleTo([alice, bob]);
  });

  test('drafts are visible only to their author', async () => {
    await expect(db.rows('posts', { user_id: 'user-alice', is_published: false })).toBeVisibleOnlyTo(alice);
    await expect(db.rows('posts', { user_id: 'user-bob', is_published: false })).toBeVisibleOnlyTo(bob, { among: [alice, db.anonymous] });
    await expect(db.as(alice)).toSeeOnly(db.rows('posts', { user_id: 'user-alice' }), { within: { is_published: false } });
  });
});

describe('who writes what', () => {
  test("only the author can update or delete a post, and cannot hand it to someone else", async () => {
    await expect(db.rows('posts', { user_id: 'user-alice' })).toBeWritableOnlyBy(alice, { ownerColumn: 'user_id' });
    // a published post passes the SELECT policy for anyone: only the UPDATE policy keeps it hers
    await expect(db.rows('posts', { user_id: 'user-alice', is_published: true })).toBeWritableOnlyBy(alice, { ownerColumn: 'user_id' });
  });

  test("bob cannot update alice's post: 0 rows, no error", async () => {
    const result = await db.as(bob).update('posts', { content: 'hijacked' }, { user_id: 'user-alice' });
    expect(result.rowCount).toBe(0);
    await expect(db.as(bob).update('posts', { content: 'hijacked' }, { user_id: 'user-alice' })).toBeDeniedByRls();
    await expect(db.as(bob).delete('posts', { user_id: 'user-alice' })).toBeDeniedByRls();
  });

  test('a token without sub changes nothing: 0 rows, no error, even on the published posts it can read', async () => {
    // the SELECT policy shows it the published posts; the UPDATE policy must not admit them (its
    // WITH CHECK would then refuse the new rows with an error instead of the silent 0 rows)
    expect(await db.as(nosub).update('posts', { content: 'x' }, { is_published: true })).toEqual({ rowCount: 0 });
    expect(await db.as(nosub).update('posts', { content: 'x' }, {})).toEqual({ rowCount: 0 });
    expect(await db.as(nosub).delete('posts', {})).toEqual({ rowCount: 0 });
  });

  test('bob cannot insert a post as alice: 42501', async () => {
    await expect(db.as(bob).insert('posts', { user_id: 'user-alice', content: 'forged' })).rejects.toMatchObject({
      status: 403,
      code: '42501',
      message: 'new row violates row-level security policy for table "posts"',
    });
    await expect(db.as(bob).insert('posts', { user_id: 'user-alice', content: 'forged' })).toBeDeniedByRls();
  });

  test('alice posts as herself: user_id defaults to auth.user_id()', async () => {
    const { rows } = await db.as(alice).insert('posts', { content: 'new post' }, { returning: true });
    expect(rows[0]).toMatchObject({ user_id: 'user-alice', content: 'new post', is_published: false });
    await expect(db.as(alice).insert('posts', { content: 'again' })).not.toBeDeniedByRls();
  });

  test('several statements as alice in one transaction, rolled back afterwards', async () => {
    const count = await db.as(alice).transaction(async (tx) => {
      await tx.insert('posts', { content: 'one' });
      await tx.insert('posts', { content: 'two' });
      const { rows } = await tx.query('select count(*)::int AS n from posts where user_id = auth.user_id()');
      return rows[0]!.n;
    });
    expect(count).toBe(4);
    const { rows } = await db.owner.query(`select count(*)::int AS n from posts where user_id = 'user-alice'`);
    expect(rows[0]!.n).toBe(2);
  });
});
