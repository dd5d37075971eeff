/**
 * A Drizzle schema (schema.ts: crudPolicy + authUid from drizzle-orm/neon), migrated with the SQL
 * drizzle-kit generated (./drizzle, committed: `npx drizzle-kit generate --config
 * examples/drizzle/drizzle.config.ts`), tested with the matchers. drizzle-orm/neon declares the
 * roles as existing; the Neon preset creates them, with the Data API grants.
 *   npx vitest run --config examples/vitest.config.ts examples/drizzle
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import 'pg-rls-test/vitest';
import { createTestDatabase, type TestDatabase, type User } from 'pg-rls-test';
import { getTableName } from 'drizzle-orm';
import { todos } from './schema.js';

const TODOS = getTableName(todos);
let db: TestDatabase;
let alice: User;
let bob: User;
let nosub: User;

beforeAll(async () => {
  db = await createTestDatabase({
    migrations: new URL('./drizzle', import.meta.url).pathname,
    sql: `INSERT INTO todos (user_id, task) VALUES ('user-alice', 'write tests'), ('user-alice', 'ship'), ('user-bob', 'review')`,
  });
  alice = db.user('alice', { sub: 'user-alice' });
  bob = db.user('bob', { sub: 'user-bob' });
  nosub = db.user('no-sub', { sub: null }); // a token without sub: auth.user_id() is NULL
});
afterAll(() => db?.close());

test('the generated migration: RLS on, a policy per command, the grants the Data API needs', async () => {
  await expect(db.table(TODOS)).toHaveRlsEnabled();
  for (const command of ['select', 'insert', 'update', 'delete'] as const) {
    await expect(db.table(TODOS)).toHavePolicyFor(command, 'authenticated');
  }
  await expect(db.table(TODOS)).toGrantCrudTo('authenticated');
  // exactly those: TRUNCATE (which RLS ignores) is an audit warning, not an error
  await expect(db.table(TODOS)).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true });
  await expect(db).toBeDataApiReady();
});

test('nothing for anonymous: no privilege, no policy', async () => {
  await expect(db.table(TODOS)).toGrant([], 'anonymous', { exactly: true });
  for (const command of ['select', 'insert', 'update', 'delete'] as const) {
    await expect(db.table(TODOS)).not.toHavePolicyFor(command, 'anonymous');
  }
});

test('a token without sub changes nothing, silently, even with no filter (PATCH/DELETE /todos)', async () => {
  // without a WHERE on its columns, only the UPDATE/DELETE policies judge the rows (no SELECT policy)
  expect(await db.as(nosub).update(TODOS, { task: 'x' }, {})).toEqual({ rowCount: 0 });
  expect(await db.as(nosub).delete(TODOS, {})).toEqual({ rowCount: 0 });
});

test('crudPolicy with authUid: each user reads and changes only their own todos', async () => {
  await expect(db.rows(TODOS, { user_id: 'user-alice' })).toBeVisibleOnlyTo(alice);
  await expect(db.rows(TODOS, { user_id: 'user-alice' })).toBeWritableOnlyBy(alice, { ownerColumn: 'user_id' });
  await expect(db.as(bob).insert(TODOS, { user_id: 'user-alice', task: 'forged' })).toBeDeniedByRls();
  await expect(db.as(bob).insert(TODOS, { task: 'mine, by default' })).not.toBeDeniedByRls();
  await expect(db.rows(TODOS, {})).not.toBeVisibleTo(db.anonymous);
});
