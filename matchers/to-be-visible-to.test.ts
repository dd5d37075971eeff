import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { ALICE, BOB, FAILS_AS_AUTHENTICATED, requestFailure, useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend);

  test('published posts are visible to both users, drafts not to the other', async () => {
    const alice = db().user('alice', { sub: ALICE });
    const bob = db().user('bob', { sub: BOB });
    await expect(db().rows('posts', { is_published: true })).toBeVisibleTo([alice, bob]);
    await expect(db().rows('posts', { user_id: ALICE, is_published: false })).toBeVisibleTo(alice);
    await expect(db().rows('posts', { user_id: ALICE, is_published: false })).not.toBeVisibleTo(bob);
    await expect(db().rows('posts', 'is_published')).not.toBeVisibleTo(db().anonymous);
  });

  test('a read that fails for another reason (not 42501) fails the matcher both ways', async () => {
    const alice = db().user('alice', { sub: ALICE });
    const set = () => db().rows('posts', FAILS_AS_AUTHENTICATED);
    for (const a of [expect(set()).toBeVisibleTo(alice), expect(set()).not.toBeVisibleTo(alice)]) {
      const err = await requestFailure(a);
      expect(err.sqlState).toBe('22012');
      expect(err.message).toMatch(/^reading rows of posts where .* as alice failed for another reason: division by zero \(22012\)\nhint: only 42501/);
    }
  });

  test('refused by privileges counts as seeing none, and says so', async () => {
    const alice = db().user('alice', { sub: ALICE });
    expect(await failureText(expect(db().rows('vault', { id: 1 })).toBeVisibleTo(alice))).toBe(
      [
        'expect(rows).toBeVisibleTo(alice)',
        '',
        'Expected: 1 row (rows of vault where id = 1) visible to alice',
        'Received: alice sees 0 (refused by privileges)',
        '',
        'Why:',
        '  alice is refused by privileges: permission denied for table vault',
        '',
        'Fix:',
        '  GRANT SELECT ON "public"."vault" TO "authenticated";',
      ].join('\n'),
    );
  });

  test('an empty row set is refused: it would prove nothing', async () => {
    await expect(expect(db().rows('posts', { id: -1 })).toBeVisibleTo(db().user('alice', { sub: ALICE }))).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      // the message the runner prints ends with what to do
      message:
        'rows of posts where id = -1 matches no row (counted with owner rights): a visibility or write check over no rows proves nothing\n' +
        'hint: seed the rows first (createTestDatabase({ seed }) or db.owner.insert), or fix the where condition',
    });
  });

  test('bad arguments', async () => {
    await expect(expect(db().rows('posts', { is_published: true })).toBeVisibleTo('alice' as never)).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      summary: 'toBeVisibleTo() expects a user, db.anonymous, a JWT string, or a list of them, received string "alice"',
      hint: 'a string is taken as a JWT; for a user write db.user("alice")',
    });
    const expired = await db().mintJwt({ sub: ALICE }, { expiresIn: '-10m' });
    expect(await failureText(expect(db().rows('posts', { is_published: true })).toBeVisibleTo(expired))).toContain('Received: token (sub user-alice) sees 0 (refused by token)');
    await expect(expect(db().rows('posts', { is_publishd: true })).toBeVisibleTo(db().anonymous)).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_COLUMN',
      summary: 'column of public.posts "is_publishd" does not exist; did you mean "is_published"?',
    });
    await expect(expect(db().rows('posts', {})).toBeVisibleTo([])).rejects.toThrow('toBeVisibleTo() needs at least one requester');
    await expect(expect(db().table('posts')).toBeVisibleTo(db().anonymous)).rejects.toMatchObject({ code: 'ERR_PGRLS_INVALID_SUBJECT' });
  });
});
