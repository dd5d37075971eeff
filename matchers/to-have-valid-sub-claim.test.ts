import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { requestFailure, useFixture } from '../test/helpers/fixture.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
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

  test("a token of your own auth provider passes once dataApi.jwks trusts its key (a JWKS object, or its URL fetched once)", async () => {
    // the auth provider's key, made here: the database never saw its private half
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'my-auth-1', alg: 'EdDSA', use: 'sig' };
    const token = await new SignJWT({ sub: 'user-from-my-auth', role: 'authenticated' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'my-auth-1' })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    // not trusted: the Data API refuses it, as it would with another JWKS configured
    expect(await failureText(expect(token).toHaveValidSubClaim())).toContain('Received: the Data API rejects it: JWT token kid "my-auth-1" matches no key in the JWKS (401 PGRST301)');

    await using trusting = await createTestDatabase({ ...backend.options, dataApi: { jwks: { keys: [jwk] } } });
    await expect(token).toHaveValidSubClaim();
    expect((await trusting.as(token).query('select auth.user_id() as uid')).rows).toEqual([{ uid: 'user-from-my-auth' }]);
    // its own tokens still verify
    await expect(trusting.user('alice')).toHaveValidSubClaim();

    // a URL: fetched once, when the database starts
    let fetched = 0;
    const server = createServer((req, res) => {
      fetched++;
      res.setHeader('content-type', 'application/json');
      res.setHeader('connection', 'close');
      res.end(JSON.stringify(req.url === '/.well-known/jwks.json' ? { keys: [jwk] } : { error: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await using byUrl = await createTestDatabase({ ...backend.options, dataApi: { jwks: `${base}/.well-known/jwks.json` } });
      expect((await byUrl.as(token).query('select auth.user_id() as uid')).rows).toEqual([{ uid: 'user-from-my-auth' }]);
      await byUrl.as(token).query('select 1');
      expect(fetched).toBe(1);
      // a URL that serves no JWKS, and one nobody answers: the start fails, naming the URL
      await expect(createTestDatabase({ ...backend.options, dataApi: { jwks: `${base}/nothing` } })).rejects.toMatchObject({
        code: 'ERR_PGRLS_JWKS_UNAVAILABLE',
        summary: `the JWKS at ${base}/nothing (option dataApi.jwks) could not be fetched: the answer is not a JWKS ({ "keys": [ ... ] })`,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // the auth service is down now: nobody answers on that port
    const closed = await createTestDatabase({ ...backend.options, dataApi: { jwks: `${base}/.well-known/jwks.json` } }).catch((e: unknown) => e);
    expect(closed).toMatchObject({ code: 'ERR_PGRLS_JWKS_UNAVAILABLE' });
    expect((closed as Error).message).toMatch(/^the JWKS at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json \(option dataApi\.jwks\) could not be fetched: .*ECONNREFUSED.*\nhint: start the auth service/);
    expect(() => createTestDatabase({ dataApi: { jwks: { keys: 'no' } as never } })).rejects.toThrow(TypeError);
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
