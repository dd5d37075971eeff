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

beforeAll(async () => {
  db = await createTestDatabase({
    migrations: new URL('./drizzle', import.meta.url).pathname,
    sql: `INSERT INTO todos (user_id, task) VALUES ('user-alice', 'write tests'), ('user-alice', 'ship'), ('user-bob', 'review')`,
  });
  alice = db.user('alice', { sub: 'user-alice' });
  bob = db.user('bob', { sub: 'user-bob' });
});
afterAll(() => db?.close());

test('the generated migration: RLS on, a policy per command, the grants the Data API needs', async () => {
  await expect(db.table(TODOS)).toHaveRlsEnabled();
  for (const command of ['select', 'insert', 'update', 'delete'] as const) {
    await expect(db.table(TODOS)).toHavePolicyFor(command, 'authenticated');
  }
  await expect(db.table(TODOS)).toGrantCrudTo('authenticated');
  await expect(db).toBeDataApiReady();
});

test('crudPolicy with authUid: each user reads and changes only their own todos', async () => {
  await expect(db.rows(TODOS, { user_id: 'user-alice' })).toBeVisibleOnlyTo(alice);
  await expect(db.rows(TODOS, { user_id: 'user-alice' })).toBeWritableOnlyBy(alice, { ownerColumn: 'user_id' });
  await expect(db.as(bob).insert(TODOS, { user_id: 'user-alice', task: 'forged' })).toBeDeniedByRls();
  await expect(db.as(bob).insert(TODOS, { task: 'mine, by default' })).not.toBeDeniedByRls();
  await expect(db.rows(TODOS, {})).not.toBeVisibleTo(db.anonymous);
});
