/**
 * Every JWT failure of the Neon Data API troubleshooting page, as the API answers it: status,
 * PostgREST code and the exact message. A token the API accepts but that carries no `sub` is
 * the quiet one: no error, auth.user_id() is NULL, every "own rows" policy matches nothing.
 *   npx vitest run --config examples/vitest.config.ts examples/negative-tokens
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import 'pg-rls-test/vitest';
import { createTestDatabase, DataApiError, type TestDatabase } from 'pg-rls-test';

const NOW = new Date('2026-06-01T12:00:00Z');
const T = NOW.getTime() / 1000;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({
    migrations: new URL('../posts/migrations', import.meta.url).pathname,
    now: NOW, // a fixed clock: expiry is tested by moving it, not by sleeping
    dataApi: { audience: 'my-app' },
    seed: (owner) => owner.insert('posts', { user_id: 'user-alice', content: 'a draft of alice', is_published: false }).then(() => undefined),
  });
});
afterAll(() => db?.close());

const read = (token: string) => db.as(token).query('SELECT id FROM posts');

describe('the Data API refuses these tokens (401)', () => {
  test('"JWT token has expired": past exp, beyond the 30 s leeway', async () => {
    const token = await db.mintJwt({ sub: 'user-alice', aud: 'my-app', role: 'authenticated' }, { expiresIn: '-1m' });
    await expect(read(token)).rejects.toMatchObject({ status: 401, code: 'PGRST303', message: `JWT token has expired (exp=${T - 60})` });
  });

  test('a user token minted now expires 15 minutes later: setNow instead of sleeping', async () => {
    const token = await db.user('alice', { sub: 'user-alice' }).token;
    db.setNow(new Date(NOW.getTime() + 16 * 60_000));
    try {
      await expect(read(token)).rejects.toMatchObject({ code: 'PGRST303', message: `JWT token has expired (exp=${T + 900})` });
    } finally {
      db.setNow(NOW);
    }
  });

  test('not valid yet (nbf in the future)', async () => {
    const token = await db.mintJwt({ sub: 'user-alice', aud: 'my-app' }, { notBefore: '5m' });
    await expect(read(token)).rejects.toMatchObject({ status: 401, code: 'PGRST303', message: `JWT token is not yet ready to use (nbf=${T + 300})` });
  });

  test('"JWT Audience validation failed": aud is not the configured audience', async () => {
    const token = await db.mintJwt({ sub: 'user-alice' }, { audience: 'another-app' });
    await expect(read(token)).rejects.toMatchObject({ status: 401, code: 'PGRST303', message: 'invalid JWT token audience' });
  });

  test('signed by a key that is not in the JWKS', async () => {
    const token = await db.mintJwt({ sub: 'user-alice', aud: 'my-app' }, { key: 'foreign' });
    await expect(read(token)).rejects.toMatchObject({ status: 401, code: 'PGRST301', message: 'JWT token kid "foreign-eddsa" matches no key in the JWKS' });
  });

  test('a kid that names no key', async () => {
    const token = await db.mintJwt({ sub: 'user-alice', aud: 'my-app' }, { kid: 'rotated-away' });
    await expect(read(token)).rejects.toMatchObject({ status: 401, code: 'PGRST301', message: 'JWT token kid "rotated-away" matches no key in the JWKS' });
  });

  test('not a JWT at all', async () => {
    const err = await read('Bearer eyJhbGciOi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataApiError);
    expect(err).toMatchObject({ status: 401, code: 'PGRST301', message: 'Provided authentication token is not a valid JWT encoding' });
  });
});

describe('"JWT token missing sub claim": accepted, and silently sees nothing', () => {
  test('the API accepts it, auth.user_id() is NULL, and the author\'s own draft is invisible', async () => {
    const token = await db.mintJwt({ aud: 'my-app', role: 'authenticated' });
    const { rows } = await db.as(token).query('SELECT auth.user_id() AS uid, count(*)::int AS drafts FROM posts WHERE NOT is_published');
    expect(rows).toEqual([{ uid: null, drafts: 0 }]);
  });

  test('toHaveValidSubClaim catches it before it ships', async () => {
    await expect(db.user('alice', { sub: 'user-alice' })).toHaveValidSubClaim();
    await expect(db.user('no-sub', { sub: null })).not.toHaveValidSubClaim();
    await expect(await db.mintJwt({ aud: 'my-app', sub: 42 as unknown as string })).not.toHaveValidSubClaim(); // a number, as some IdPs send
  });
});
