/**
 * Tenant isolation: members of one organisation never see or touch another's documents; inside
 * an organisation members read, write and edit, and only admins delete. The boundary is a
 * RESTRICTIVE policy, and the last test shows what happens without it.
 *   npx vitest run --config examples/vitest.config.ts examples/multi-tenant
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import 'pg-rls-test/vitest';
import { createTestDatabase, type TestDatabase, type User } from 'pg-rls-test';

let db: TestDatabase;
let ann: User; // member of acme
let adam: User; // admin of acme
let bea: User; // member of globex
let both: User; // member of both
let nosub: User; // a token without sub: auth.user_id() is NULL

beforeAll(async () => {
  db = await createTestDatabase({
    migrations: new URL('./migrations', import.meta.url).pathname,
    sql: `
      INSERT INTO orgs VALUES ('acme', 'Acme'), ('globex', 'Globex');
      INSERT INTO memberships VALUES ('acme', 'ann', 'member'), ('acme', 'adam', 'admin'), ('globex', 'bea', 'member'),
                                     ('acme', 'both', 'member'), ('globex', 'both', 'member');
      INSERT INTO documents (org_id, title) VALUES ('acme', 'Acme roadmap'), ('acme', 'Acme payroll'), ('globex', 'Globex plan');`,
  });
  [ann, adam, bea, both] = ['ann', 'adam', 'bea', 'both'].map((name) => db.user(name, { sub: name })) as [User, User, User, User];
  // every "only" check below tries it too (and anonymous)
  nosub = db.user('no-sub', { sub: null });
});
afterAll(() => db?.close());

describe('tenant isolation', () => {
  test('the schema passes the audit (the SECURITY DEFINER helper is not a finding)', async () => {
    await expect(db).toBeDataApiReady();
    // no warning either: the helper without its pinned search_path would be one (it only reads)
    expect((await db.audit()).findings.filter((f) => f.level !== 'info')).toEqual([]);
  });

  test('grants: what the Data API gives authenticated, nothing to anonymous, no policy for anonymous', async () => {
    for (const table of ['orgs', 'memberships', 'documents']) {
      await expect(db.table(table)).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true });
      await expect(db.table(table)).toGrant([], 'anonymous', { exactly: true });
      for (const command of ['select', 'insert', 'update', 'delete'] as const) await expect(db.table(table)).not.toHavePolicyFor(command, 'anonymous');
    }
  });

  test('the helper my_orgs() answers the caller only, and nothing without an identity', async () => {
    const orgsOf = async (who: User | typeof db.anonymous) => (await db.as(who).query('select * from public.my_orgs() as org order by 1')).rows.map((r) => r.org);
    expect(await orgsOf(both)).toEqual(['acme', 'globex']);
    expect(await orgsOf(nosub)).toEqual([]);
    expect(await orgsOf(db.anonymous)).toEqual([]);
  });

  test('members see their organisations and their own memberships, and change neither', async () => {
    await expect(db.rows('orgs', { id: 'acme' })).toBeVisibleOnlyTo([ann, adam, both]);
    await expect(db.rows('orgs', { id: 'acme' })).toBeWritableOnlyBy([], { commands: ['update'] });
    await expect(db.rows('memberships', { user_id: 'ann' })).toBeVisibleOnlyTo(ann);
    // nobody promotes themselves or joins another organisation
    await expect(db.rows('memberships', { user_id: 'ann' })).toBeWritableOnlyBy([]);
    await expect(db.as(ann).insert('memberships', { org_id: 'globex', user_id: 'ann', role: 'admin' })).toBeDeniedByRls();
  });

  test("each organisation's documents are visible to its members only", async () => {
    await expect(db.rows('documents', { org_id: 'acme' })).toBeVisibleOnlyTo([ann, adam, both]);
    await expect(db.rows('documents', { org_id: 'globex' })).toBeVisibleOnlyTo([bea, both]);
    await expect(db.as(both)).toSeeOnly(db.rows('documents', { org_id: ['acme', 'globex'] }));
  });

  test('nobody writes into an organisation they are not in', async () => {
    await expect(db.as(ann).insert('documents', { org_id: 'globex', title: 'planted' })).toBeDeniedByRls();
    await expect(db.as(bea).update('documents', { org_id: 'globex' }, { org_id: 'acme' })).toBeDeniedByRls();
    // and a member cannot move a document out of reach of its organisation
    await expect(db.as(ann).update('documents', { org_id: 'globex' }, { org_id: 'acme' })).toBeDeniedByRls();
    await expect(db.as(ann).insert('documents', { org_id: 'acme', title: 'minutes' })).not.toBeDeniedByRls();
  });

  test('members edit, only admins delete', async () => {
    const acme = db.rows('documents', { org_id: 'acme' });
    await expect(acme).toBeWritableOnlyBy([ann, adam, both], { commands: ['update'] });
    await expect(acme).toBeWritableOnlyBy(adam, { commands: ['delete'] });
  });

  test('without the restrictive policy, the permissive ones open every tenant', async () => {
    await db.owner.query('DROP POLICY "tenant boundary" ON documents');
    try {
      await expect(db.rows('documents', { org_id: 'globex' })).not.toBeVisibleOnlyTo([bea, both]);
      await expect(db).not.toBeDataApiReady();
    } finally {
      await db.reset();
    }
    await expect(db.rows('documents', { org_id: 'globex' })).toBeVisibleOnlyTo([bea, both]);
  });
});
