import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { ALICE, BOB, FAILS_AS_AUTHENTICATED, requestFailure, useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend);
  const users = () => ({ alice: db().user('alice', { sub: ALICE }), bob: db().user('bob', { sub: BOB }) });

  test('among drafts, each user sees exactly their own; among all posts, own plus published', async () => {
    const { alice, bob } = users();
    await expect(db().as(alice)).toSeeOnly(db().rows('posts', { user_id: ALICE }), { within: { is_published: false } });
    await expect(db().as(bob)).toSeeOnly(db().rows('posts', { user_id: BOB, is_published: false }), { within: 'NOT is_published' });
    await expect(db().as(alice)).toSeeOnly(db().rows('posts', `is_published OR user_id = '${ALICE}'`));
    await expect(db().as(db().anonymous)).not.toSeeOnly(db().rows('posts', { is_published: true }));
    await expect(db().as(alice)).toSeeOnly(db().rows('vault', 'false'), { within: {} });
  });

  test('failure text lists the extra and the missing rows by key', async () => {
    const { alice } = users();
    expect(await failureText(expect(db().as(alice)).toSeeOnly(db().rows('posts', { user_id: ALICE })))).toBe(
      [
        'expect(requester).toSeeOnly(rows)',
        '',
        'Expected: alice to see exactly 2 rows (rows of posts where user_id = "user-alice") in public.posts',
        'Received: sees 3 rows; more: id=3',
        '',
        'Why:',
        "  use toBeVisibleOnlyTo(alice) on the extra rows' set to see which policy admits them",
      ].join('\n'),
    );
    expect(await failureText(expect(db().as(alice)).toSeeOnly(db().rows('vault', { id: 1 })))).toContain(
      'Received: refused by privileges: permission denied for table vault',
    );
  });

  test('a read that fails for another reason (not 42501) fails the matcher both ways', async () => {
    const { alice } = users();
    const mine = () => db().rows('posts', { user_id: ALICE });
    expect((await requestFailure(expect(db().as(alice)).toSeeOnly(mine(), { within: FAILS_AS_AUTHENTICATED }))).sqlState).toBe('22012');
    expect((await requestFailure(expect(db().as(alice)).not.toSeeOnly(mine(), { within: FAILS_AS_AUTHENTICATED }))).sqlState).toBe('22012');
  });

  test('bad arguments', async () => {
    const { alice } = users();
    await expect(expect(alice).toSeeOnly(db().rows('posts'))).rejects.toMatchObject({ code: 'ERR_PGRLS_INVALID_SUBJECT' });
    await expect(expect(db().as(alice)).toSeeOnly(db().rows('posts'), { within: { publishd: true } })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_COLUMN' });
  });
});
