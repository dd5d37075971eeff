import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { ALICE, BOB, FAILS_AS_AUTHENTICATED, requestFailure, useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend, [
    // a message table: a row is meant for its sender and its recipient
    `CREATE TABLE messages (id int PRIMARY KEY, sender text NOT NULL, recipient text NOT NULL, body text);
     ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
     CREATE POLICY "sender or recipient" ON messages FOR SELECT TO authenticated
       USING ((select auth.user_id()) IN (sender, recipient));
     INSERT INTO messages VALUES (1, '${ALICE}', '${BOB}', 'hi bob');`,
  ]);
  const users = () => ({ alice: db().user('alice', { sub: ALICE }), bob: db().user('bob', { sub: BOB }), carol: db().user('carol') });

  test('drafts only to their author; a message to its two parties; nobody', async () => {
    const { alice, bob } = users();
    await expect(db().rows('posts', { user_id: ALICE, is_published: false })).toBeVisibleOnlyTo(alice);
    await expect(db().rows('messages', { id: 1 })).toBeVisibleOnlyTo([alice, bob]);
    await expect(db().rows('vault', {})).toBeVisibleOnlyTo([]);
    await expect(db().rows('posts', { is_published: true })).not.toBeVisibleOnlyTo(alice);
  });

  test('among: exactly the requesters listed (anonymous only when listed)', async () => {
    const { alice, bob } = users();
    // leaky's PUBLIC policy admits anonymous, but anonymous is not among those tried
    await expect(db().rows('leaky', { id: 1 })).not.toBeVisibleOnlyTo(alice, { among: [bob] });
    await expect(db().rows('vault', { id: 1 })).toBeVisibleOnlyTo([], { among: [alice, bob] }); // no SELECT grant: refused
    await expect(db().rows('notes', { id: 1 })).not.toBeVisibleOnlyTo([], { among: [db().anonymous] }); // RLS off, SELECT granted
  });

  test('a leak names the rows, who sees them and the policy that admitted them', async () => {
    const { alice } = users();
    expect(await failureText(expect(db().rows('posts', { user_id: ALICE })).toBeVisibleOnlyTo(alice))).toBe(
      [
        'expect(rows).toBeVisibleOnlyTo(alice)',
        '',
        'Expected: 2 rows (rows of posts where user_id = "user-alice") visible to alice and to no one else of 4 requesters',
        'Received: also visible to bob (1 row) and carol (1 row)',
        '',
        'Why:',
        '  bob sees id=1 through policy "Public read access" FOR SELECT TO authenticated USING ((is_published OR ( SELECT (auth.user_id() = posts.user_id))))',
        '  carol sees id=1 through policy "Public read access" FOR SELECT TO authenticated USING ((is_published OR ( SELECT (auth.user_id() = posts.user_id))))',
        '',
        'Fix:',
        `  ALTER POLICY "Public read access" ON "public"."posts" USING ((SELECT auth.user_id()) = "user_id");  -- only the owner's rows, so that it does not admit bob and carol`,
      ].join('\n'),
    );
  });

  test('a PUBLIC policy leaking to anonymous gets its TO fix; RLS off gets ENABLE', async () => {
    const { alice } = users();
    const leaky = await failureText(expect(db().rows('leaky', { id: 1 })).toBeVisibleOnlyTo(alice));
    expect(leaky).toContain('Received: also visible to bob (1 row), carol (1 row) and anonymous (1 row)');
    expect(leaky).toContain('  anonymous sees id=1 through policy "everyone reads" FOR SELECT TO public USING (true)');
    expect(leaky).toContain('  ALTER POLICY "everyone reads" ON "public"."leaky" TO "authenticated";  -- no TO clause means PUBLIC, anonymous included');
    const notes = await failureText(expect(db().rows('notes', { id: 1 })).toBeVisibleOnlyTo([]));
    expect(notes).toContain('Received: also visible to alice (1 row), bob (1 row), carol (1 row) and anonymous (1 row)');
    expect(notes).toContain('  Row level security is disabled on public.notes: every role with the SELECT privilege reaches every row.');
    expect(notes).toContain('  ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;');
  });

  test('column visibility: column privileges count', async () => {
    const { alice } = users();
    await db().owner.transaction(async () => undefined);
    await expect(db().rows('posts', { id: 1 }, { columns: ['content'] })).toBeVisibleTo(alice);
    await expect(db().rows('vault', { id: 1 }, { columns: ['secret'] })).toBeVisibleOnlyTo([]);
  });

  test('a user without sub takes part and sees only published rows', async () => {
    const nosub = db().user('nosub', { sub: null });
    await expect(db().rows('posts', { is_published: true })).toBeVisibleTo(nosub);
    await expect(db().rows('posts', { is_published: false, user_id: ALICE })).not.toBeVisibleTo(nosub);
  });

  test('a read that fails for another reason (not 42501) fails the matcher both ways', async () => {
    const { alice, bob } = users();
    const set = () => db().rows('posts', FAILS_AS_AUTHENTICATED);
    expect((await requestFailure(expect(set()).toBeVisibleOnlyTo(alice, { among: [bob] }))).sqlState).toBe('22012');
    expect((await requestFailure(expect(set()).not.toBeVisibleOnlyTo(alice, { among: [bob] }))).sqlState).toBe('22012');
  });

  test('bad options', async () => {
    const { alice } = users();
    await expect(expect(db().rows('posts', {})).toBeVisibleOnlyTo(alice, { among: 'bob' as never })).rejects.toThrow('toBeVisibleOnlyTo(): "among" must be a list of requesters');
    expect(() => db().rows('posts', {}, { columns: [] })).toThrow('"columns" option of db.rows() must be a non-empty list of column names');
  });
});
