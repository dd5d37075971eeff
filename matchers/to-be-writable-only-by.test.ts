import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { ALICE, BOB, FAILS_AS_AUTHENTICATED, requestFailure, useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend, [
    // users may update their rows but never delete them
    `CREATE TABLE profiles (id int PRIMARY KEY, user_id text NOT NULL, bio text);
     ALTER TABLE profiles ENABLE ROW LEVEL SECURITY;
     CREATE POLICY "read own" ON profiles FOR SELECT TO authenticated USING (user_id = (select auth.user_id()));
     CREATE POLICY "update own" ON profiles FOR UPDATE TO authenticated USING (user_id = (select auth.user_id())) WITH CHECK (user_id = (select auth.user_id()));
     INSERT INTO profiles VALUES (1, '${ALICE}', 'hello');
     -- the owner may update, and WITH CHECK (true) lets the new row belong to anyone (Postgres
     -- also checks the new row against SELECT policies: a public row passes "public or own")
     CREATE TABLE handover (id int PRIMARY KEY, owner text NOT NULL, is_public boolean NOT NULL);
     ALTER TABLE handover ENABLE ROW LEVEL SECURITY;
     CREATE POLICY "public or own" ON handover FOR SELECT TO authenticated USING (is_public OR owner = (select auth.user_id()));
     CREATE POLICY "owner updates" ON handover FOR UPDATE TO authenticated USING (owner = (select auth.user_id())) WITH CHECK (true);
     CREATE POLICY "owner deletes" ON handover FOR DELETE TO authenticated USING (owner = (select auth.user_id()));
     INSERT INTO handover VALUES (1, '${ALICE}', true);`,
  ]);
  const users = () => ({ alice: db().user('alice', { sub: ALICE }), bob: db().user('bob', { sub: BOB }) });

  test('own posts: update and delete by the author only; nothing is changed', async () => {
    const { alice } = users();
    await expect(db().rows('posts', { user_id: ALICE })).toBeWritableOnlyBy(alice);
    await expect(db().rows('posts', { user_id: ALICE })).toBeWritableOnlyBy(alice, { ownerColumn: 'user_id' });
    const { rows } = await db().owner.query(`SELECT count(*)::int AS n FROM posts WHERE user_id = '${ALICE}'`);
    expect(rows[0]!.n).toBe(2);
  });

  test('commands: update-only tables', async () => {
    const { alice } = users();
    await expect(db().rows('profiles', { id: 1 })).toBeWritableOnlyBy(alice, { commands: ['update'] });
    await expect(db().rows('profiles', { id: 1 })).toBeWritableOnlyBy([], { commands: ['delete'] });
    await expect(db().rows('profiles', { id: 1 })).not.toBeWritableOnlyBy(alice);
  });

  test('an UPDATE policy whose WITH CHECK does not check the owner lets the row be handed away', async () => {
    const { alice } = users();
    // without WITH CHECK, Postgres checks the new row with USING: the owner cannot hand it away
    await expect(db().rows('leaky', { id: 1 })).toBeWritableOnlyBy(alice, { ownerColumn: 'owner' });
    await expect(db().rows('handover', { id: 1 })).toBeWritableOnlyBy(alice);
    const text = await failureText(expect(db().rows('handover', { id: 1 })).toBeWritableOnlyBy(alice, { ownerColumn: 'owner' }));
    expect(text).toContain('Received: the rows can be handed to another user');
    expect(text).toContain("  alice can set owner to bob's id on 1 row (the UPDATE policy has no WITH CHECK, or one that does not check the owner)");
    expect(text).toContain('  ALTER POLICY ... ON "public"."handover" WITH CHECK ((select auth.user_id()) = "owner");');
  });

  test('failure text when another user can write and the owner cannot delete', async () => {
    const { alice } = users();
    expect(await failureText(expect(db().rows('profiles', { id: 1 })).toBeWritableOnlyBy(alice))).toBe(
      [
        'expect(rows).toBeWritableOnlyBy(alice)',
        '',
        'Expected: 1 row (rows of profiles where id = 1) writable (update, delete) only by alice, of 3 requesters',
        'Received: delete by alice (0 rows) of 1',
        '',
        'Why:',
        '  alice reaches 0 of 1 row: no DELETE policy admits them',
        '',
        'Fix:',
        `  CREATE POLICY "delete own rows" ON "public"."profiles" FOR DELETE TO "authenticated" USING (...);  -- a condition true for alice's rows`,
      ].join('\n'),
    );
    const notes = await failureText(expect(db().rows('notes', { id: 1 })).toBeWritableOnlyBy(alice));
    expect(notes).toContain('Received: update also affects rows as bob (1 row); delete also affects rows as bob (1 row)');
    expect(notes).toContain('  Row level security is disabled on public.notes: every role with the UPDATE privilege reaches every row.');
  });

  test('a write that fails for another reason (not 42501) fails the matcher both ways', async () => {
    const { alice, bob } = users();
    const set = () => db().rows('posts', FAILS_AS_AUTHENTICATED);
    expect((await requestFailure(expect(set()).toBeWritableOnlyBy(alice, { among: [bob] }))).sqlState).toBe('22012');
    expect((await requestFailure(expect(set()).not.toBeWritableOnlyBy(alice, { among: [bob] }))).sqlState).toBe('22012');
  });

  test('bad options', async () => {
    const { alice } = users();
    await expect(expect(db().rows('posts', {})).toBeWritableOnlyBy(alice, { commands: ['insert'] as never })).rejects.toThrow(
      `toBeWritableOnlyBy(): "commands" must be a non-empty list of 'update' and 'delete', got ["insert"]`,
    );
    await expect(expect(db().rows('posts', { user_id: ALICE })).toBeWritableOnlyBy(alice, { ownerColumn: 'owner_id' })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_COLUMN' });
  });
});
