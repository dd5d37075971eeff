import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { requestFailure, useFixture } from '../test/helpers/fixture.js';
import { createTestDatabase } from '../src/index.js';

forEachBackend((backend) => {
  const db = useFixture(backend);

  test('users minted here and their raw tokens pass', async () => {
    await expect(db().user('alice')).toHaveValidSubClaim();
    await expect(await db().user('alice').token).toHaveValidSubClaim();
    await expect(await db().mintJwt({ sub: 'user-42', role: 'authenticated' })).toHaveValidSubClaim();
  });

  test('a token without sub is accepted by the API but caught here, in the seed page\'s words', async () => {
    const nosub = db().user('nosub', { sub: null });
    await expect(nosub).not.toHaveValidSubClaim();
    expect(await failureText(expect(nosub).toHaveValidSubClaim())).toBe(
      [
        'expect(user).toHaveValidSubClaim()',
        '',
        'Expected: the token of nosub to be accepted by the Data API with a string sub that auth.user_id() returns',
        'Received: it has no sub claim',
        '',
        'Why:',
        '  The JWT token must include the `sub` claim, which identifies the user, to enable Row-Level Security (RLS) policies; without it auth.user_id() returns NULL and every `auth.user_id() = user_id` policy matches nothing.',
        '',
        'Fix:',
        '  -- configure the auth provider to put the user id, as a string, in the sub claim',
      ].join('\n'),
    );
  });

  test('a numeric sub', async () => {
    expect(await failureText(expect(await db().mintJwt({ sub: 42 as never })).toHaveValidSubClaim())).toContain('Received: its sub claim is 42, not a string');
  });

  test('tokens the Data API rejects', async () => {
    const expired = await db().mintJwt({ sub: 'x', exp: 1_000 });
    expect(await failureText(expect(expired).toHaveValidSubClaim())).toBe(
      [
        'expect(jwt).toHaveValidSubClaim()',
        '',
        'Expected: the token to be accepted by the Data API with a string sub that auth.user_id() returns',
        'Received: the Data API rejects it: JWT token has expired (exp=1000) (401 PGRST303)',
      ].join('\n'),
    );
    const foreign = await db().mintJwt({ sub: 'x' }, { key: 'foreign' });
    expect(await failureText(expect(foreign).toHaveValidSubClaim())).toContain('Received: the Data API rejects it: JWT token kid "foreign-eddsa" matches no key in the JWKS (401 PGRST301)');
  });

  test('auth.user_id() failing inside the database (here: not executable) fails the matcher both ways', async () => {
    await using broken = await createTestDatabase({ ...backend.options, sql: 'REVOKE EXECUTE ON FUNCTION auth.user_id() FROM PUBLIC' });
    const alice = broken.user('alice');
    for (const a of [expect(alice).toHaveValidSubClaim(), expect(alice).not.toHaveValidSubClaim()]) {
      const err = await requestFailure(a);
      expect(err.sqlState).toBe('42501');
      expect(err.message).toMatch(/^toHaveValidSubClaim\(\): calling auth.user_id\(\) with the token of alice failed for another reason: permission denied for function user_id \(42501\)/);
    }
  });

  test('bad subjects', async () => {
    await expect(expect(db().user('alice').token).toHaveValidSubClaim()).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      summary: 'toHaveValidSubClaim() expects a user from db.user() or a JWT string, received a Promise',
    });
  });
});
