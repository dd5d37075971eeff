import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const T = NOW.getTime() / 1000;

forEachBackend((backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options, now: NOW, dataApi: { audience: 'my-app', issuer: 'https://auth.example' } });
  });
  afterAll(() => db?.close());

  const who = (token: string) => db.as(token).query('select auth.user_id() AS uid, current_user AS role');

  test('users get Neon-Auth-shaped EdDSA tokens with a stable sub', async () => {
    const alice = db.user('alice');
    expect(alice.sub).toBe('272b80d7-93a8-5450-a693-681783b68a93'); // derived from the name: the same in every run
    const token = await alice.token;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: db.jwks.keys[0]!.kid });
    expect(decodeJwt(token)).toEqual({
      iat: T, exp: T + 900, iss: 'https://auth.example', aud: 'my-app', role: 'authenticated',
      sub: alice.sub, id: alice.sub, email: 'alice@example.test', name: 'alice', emailVerified: true,
      createdAt: '1970-01-01T00:00:00.000Z', updatedAt: '1970-01-01T00:00:00.000Z',
    });
    expect(db.jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect((await who(token)).rows[0]).toEqual({ uid: alice.sub, role: 'authenticated' });
  });

  test('ES256 and RS256 tokens verify too', async () => {
    for (const alg of ['ES256', 'RS256'] as const) {
      const token = await db.mintJwt({ sub: `s-${alg}`, aud: 'my-app' }, { alg });
      expect((await who(token)).rows[0]).toEqual({ uid: `s-${alg}`, role: 'authenticated' });
    }
  });

  test('every rejection in the Data API words, status 401', async () => {
    const cases: [string, Promise<string> | string, string, string][] = [
      ['expired beyond the 30 s leeway', db.mintJwt({ sub: 'x', aud: 'my-app' }, { expiresIn: '-31s' }), 'PGRST303', `JWT token has expired (exp=${T - 31})`],
      ['not yet valid', db.mintJwt({ sub: 'x', aud: 'my-app' }, { notBefore: '5m' }), 'PGRST303', `JWT token is not yet ready to use (nbf=${T + 300})`],
      ['wrong audience', db.mintJwt({ sub: 'x' }, { audience: 'other-app' }), 'PGRST303', 'invalid JWT token audience'],
      ['no audience', db.mintJwt({ sub: 'x' }), 'PGRST303', 'invalid JWT token audience'],
      ['unknown kid', db.mintJwt({ sub: 'x', aud: 'my-app' }, { kid: 'nope' }), 'PGRST301', 'JWT token kid "nope" matches no key in the JWKS'],
      ['no kid', db.mintJwt({ sub: 'x', aud: 'my-app' }, { kid: null }), 'PGRST301', 'JWT token header has no "kid": the Data API picks the verification key from the JWKS by kid'],
      ['a foreign key', db.mintJwt({ sub: 'x', aud: 'my-app' }, { key: 'foreign' }), 'PGRST301', 'JWT token kid "foreign-eddsa" matches no key in the JWKS'],
      ['garbage', 'not-a-jwt', 'PGRST301', 'Provided authentication token is not a valid JWT encoding'],
      ['three garbage parts', 'a.b.c', 'PGRST301', 'Provided authentication token is not a valid JWT encoding'],
    ];
    for (const [, token, code, message] of cases) {
      await expect(who(await token)).rejects.toMatchObject({ name: 'DataApiError', status: 401, code, message });
    }
  });

  test('a tampered signature names the kid', async () => {
    const token = await db.mintJwt({ sub: 'x', aud: 'my-app' });
    const [h, p] = token.split('.');
    const other = (await db.mintJwt({ sub: 'y', aud: 'my-app' })).split('.')[2];
    await expect(who(`${h}.${p}.${other}`)).rejects.toMatchObject({ status: 401, code: 'PGRST301', message: `JWT token signature verification failed (kid=${db.jwks.keys[0]!.kid})` });
  });

  test('within the 30 s leeway a token still passes', async () => {
    expect((await who(await db.mintJwt({ sub: 'late', aud: 'my-app' }, { expiresIn: '-29s' }))).rows[0]).toEqual({ uid: 'late', role: 'authenticated' });
  });

  test('a token without sub, or with a non-string sub, is accepted and auth.user_id() is NULL', async () => {
    expect((await who(await db.mintJwt({ aud: 'my-app' }))).rows[0]).toEqual({ uid: null, role: 'authenticated' });
    expect((await who(await db.mintJwt({ sub: 42 as never, aud: 'my-app' }))).rows[0]).toEqual({ uid: null, role: 'authenticated' });
    expect((await db.as(db.user('ghost', { sub: null })).query('select auth.user_id() AS uid')).rows[0]).toEqual({ uid: null });
  });

  test('the clock: setNow moves minting and validation together', async () => {
    const alice = db.user('alice');
    const token = await alice.token;
    db.setNow(new Date(NOW.getTime() + 16 * 60_000));
    await expect(who(token)).rejects.toMatchObject({ code: 'PGRST303', message: `JWT token has expired (exp=${T + 900})` });
    await expect(db.as(alice).query('select 1')).resolves.toMatchObject({ rowCount: 1 }); // minted anew at the new time
    db.setNow(NOW);
  });

  test('the role claim picks the role; an unknown one is refused', async () => {
    expect((await who(await db.mintJwt({ sub: 'a', aud: 'my-app', role: 'anonymous' }))).rows[0]).toEqual({ uid: 'a', role: 'anonymous' });
    await expect(who(await db.mintJwt({ sub: 'a', aud: 'my-app', role: 'wizard' }))).rejects.toMatchObject({ status: 401, code: '22023', message: 'role "wizard" does not exist' });
    await expect(db.as(db.user('w', { role: 'wizzard' })).query('select 1')).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_ROLE', summary: 'role "wizzard" does not exist' });
  });

  test('a superuser role in a token is refused by the preflight', async () => {
    await expect(who(await db.mintJwt({ sub: 'a', aud: 'my-app', role: 'postgres' }))).rejects.toMatchObject({
      code: 'ERR_PGRLS_RLS_BYPASS',
      reason: 'superuser',
      summary: 'requests would run as role "postgres", which is a superuser: row level security does not apply to it, so every RLS test would pass',
    });
  });
});

test('without anonymous access, a request without a token is refused as the Data API does', async () => {
  const db = await createTestDatabase({ dataApi: { anonymous: false } });
  try {
    await expect(db.as(db.anonymous).query('select 1')).rejects.toMatchObject({
      status: 401,
      code: 'PGRST302',
      message: 'missing authentication credentials: required authorization bearer token in JWT format',
    });
  } finally {
    await db.close();
  }
});
