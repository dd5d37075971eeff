import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { ALICE, BOB, FAILS_AS_AUTHENTICATED, requestFailure, useFixture } from '../test/helpers/fixture.js';
import { createTestDatabase } from '../src/index.js';

const ALICE_UUID = '0b7e6a3c-1f2d-4e5a-8b9c-0d1e2f3a4b5c';

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
    expect(text).toContain('  ALTER POLICY "owner updates" ON "public"."handover" WITH CHECK ((SELECT auth.user_id()) = "owner");');
  });

  test('the hand-over check runs without another user (a made-up subject), and only 42501 counts as "cannot hand over"', async () => {
    // a database where alice is the only user: `vitest -t` may have skipped the test that made bob
    await using solo = await createTestDatabase({
      ...backend.options,
      sql: `CREATE TABLE handover (id int PRIMARY KEY, owner text NOT NULL, is_public boolean NOT NULL);
            ALTER TABLE handover ENABLE ROW LEVEL SECURITY;
            CREATE POLICY "public or own" ON handover FOR SELECT TO authenticated USING (is_public OR owner = (select auth.user_id()));
            CREATE POLICY "owner updates" ON handover FOR UPDATE TO authenticated USING (owner = (select auth.user_id())) WITH CHECK (true);
            CREATE POLICY "owner deletes" ON handover FOR DELETE TO authenticated USING (owner = (select auth.user_id()));
            INSERT INTO handover VALUES (1, '${ALICE}', true);
            -- the owner is a user of a users table: a made-up id breaks the foreign key
            CREATE TABLE accounts (id uuid PRIMARY KEY);
            CREATE TABLE notes (id int PRIMARY KEY, owner uuid NOT NULL REFERENCES accounts (id));
            ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY "all read" ON notes FOR SELECT TO authenticated USING (true);
            CREATE POLICY "owner updates" ON notes FOR UPDATE TO authenticated USING (owner = (select auth.uid())) WITH CHECK (true);
            CREATE POLICY "owner deletes" ON notes FOR DELETE TO authenticated USING (owner = (select auth.uid()));
            INSERT INTO accounts VALUES ('${ALICE_UUID}');
            INSERT INTO notes VALUES (1, '${ALICE_UUID}');`,
    });
    const alice = solo.user('alice', { sub: ALICE });
    const text = await failureText(expect(solo.rows('handover', { id: 1 })).toBeWritableOnlyBy(alice, { ownerColumn: 'owner' }));
    expect(text).toContain('  alice can set owner to a made-up user id on 1 row (the UPDATE policy has no WITH CHECK, or one that does not check the owner)');
    expect(text).toContain('  ALTER POLICY "owner updates" ON "public"."handover" WITH CHECK ((SELECT auth.user_id()) = "owner");');
    // the same with only anonymous among the others
    await expect(expect(solo.rows('handover', { id: 1 })).toBeWritableOnlyBy(alice, { ownerColumn: 'owner', among: [solo.anonymous] })).rejects.toThrow(/made-up user id/);

    const owner = solo.user('uuid-alice', { sub: ALICE_UUID });
    const fk = await requestFailure(expect(solo.rows('notes', { id: 1 })).not.toBeWritableOnlyBy(owner, { ownerColumn: 'owner', among: [solo.anonymous] }));
    expect(fk.sqlState).toBe('23503');
    expect(fk.message).toMatch(/^toBeWritableOnlyBy\(\): handing rows of notes where id = 1 to a made-up user id \(owner\) as uuid-alice failed for another reason: insert or update on table "notes" violates foreign key constraint .*\nhint: no other user with a sub was tried, and a made-up id breaks the foreign key on owner: create another user/);
    // another known user whose id does not fit the column (a cast error) is not "cannot hand over" either
    const bob = solo.user('bob', { sub: BOB });
    const cast = await requestFailure(expect(solo.rows('notes', { id: 1 })).toBeWritableOnlyBy(owner, { ownerColumn: 'owner', among: [bob] }));
    expect(cast.sqlState).toBe('22P02');
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
        `  CREATE POLICY "delete own rows" ON "public"."profiles" FOR DELETE TO "authenticated" USING ((SELECT auth.user_id()) = "user_id");  -- the owner's rows: check that it holds for alice's rows`,
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
