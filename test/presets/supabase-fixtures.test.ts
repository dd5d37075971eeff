/**
 * Six real Supabase projects (attributed excerpts in test/fixtures/supabase/<project>) load as
 * they are with preset 'supabase', on both backends; a user of db.user() signs up through each
 * project's own trigger on auth.users, and one of its RLS rules holds.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { main } from '../../src/cli/index.js';
import { withDatabase } from '../../src/backends/url.js';
import { forEachBackend, SERVER_URL } from '../helpers/backends.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/supabase/${name}/supabase`, import.meta.url));

/** Opens the project's database for the describe block; `db()` gives it. */
function project(name: string, backend: { options: object }): () => TestDatabase {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options, preset: 'supabase', migrations: fixture(name) });
  });
  afterAll(() => db?.close());
  return () => db;
}

/** `pg-rls-test audit` as a user runs it on a Supabase database; resolves to its exit code and output. */
async function cliAudit(url: string): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await main(['audit', '--url', url, '--schema', 'public', '--schema', 'storage', '--anonymous-role', 'anon'], { stdout: (t) => (stdout += t), stderr: () => undefined, stderrIsTTY: false });
  return { code, stdout };
}

forEachBackend((backend) => {
  describe("a project written after Supabase's documentation (docs-starter)", () => {
    const db = project('docs-starter', backend);
    test('it loads, the sign-up trigger makes the profile, and the audit finds no error (the CLI exits 0)', async () => {
      const alice = db().user('alice', { metadata: { full_name: 'Alice Docs' } });
      const bob = db().user('bob');
      await expect(db().rows('profiles', { id: alice.sub })).toBeVisibleTo([alice, bob, db().anonymous]);
      await db().owner.insert('todos', { user_id: alice.sub, task: 'read the docs' });
      await expect(db().rows('todos', { user_id: alice.sub })).toBeVisibleOnlyTo(alice, { among: [bob, db().anonymous] });
      await expect(db().as(bob).insert('storage.objects', { bucket_id: 'avatars', name: `${alice.sub}/a.png` })).toBeDeniedByRls();
      await expect(db()).toBeDataApiReady({ schemas: ['public', 'storage'] });
      if (backend.name === 'url') {
        const name = db().description.replace(/^postgres:\/\/[^/]+\//, '').split(' ')[0]!;
        const { code, stdout } = await cliAudit(withDatabase(SERVER_URL!, decodeURIComponent(name)));
        expect(stdout).toMatch(/: 0 errors, \d+ warnings/);
        expect(code).toBe(0);
      }
      await db().reset();
    });
  });

  describe('supabase/supabase examples/user-management', () => {
    const db = project('user-management', backend);
    test('the sign-up trigger makes a public profile from the metadata; everyone reads it', async () => {
      const alice = db().user('alice', { metadata: { full_name: 'Alice Example', avatar_url: 'a.png' } });
      const bob = db().user('bob');
      const { rows } = await db().owner.query('select full_name, avatar_url from profiles where id = $1', [alice.sub]);
      expect(rows).toEqual([{ full_name: 'Alice Example', avatar_url: 'a.png' }]);
      await expect(db().rows('profiles', { id: alice.sub })).toBeVisibleTo([alice, bob, db().anonymous]);
      await expect(db().as(bob).update('profiles', { full_name: 'mallory' }, { id: alice.sub })).toBeDeniedByRls();
    });
  });

  describe('supabase/supabase examples/todo-list', () => {
    const db = project('todo-list', backend);
    test("alice's todos (user_id references auth.users) are hers alone", async () => {
      const alice = db().user('alice');
      const bob = db().user('bob');
      await expect(db().as(alice).insert('todos', { user_id: alice.sub, task: 'write tests' })).resolves.toMatchObject({ rowCount: 1 });
      await db().owner.insert('todos', { user_id: alice.sub, task: 'ship it' });
      await expect(db().rows('todos', { user_id: alice.sub })).toBeVisibleOnlyTo(alice, { among: [bob, db().anonymous] });
      await expect(db().as(bob).insert('todos', { user_id: alice.sub, task: 'forged' })).toBeDeniedByRls();
      await db().reset();
    });
  });

  describe('vercel/nextjs-subscription-payments', () => {
    const db = project('nextjs-subscription-payments', backend);
    test('the sign-up trigger fills public.users; customers (RLS, no policy) are nobody\'s through the API', async () => {
      const alice = db().user('alice', { metadata: { full_name: 'Alice Payer' } });
      const bob = db().user('bob');
      await expect(db().as(alice).query('select full_name from users')).resolves.toMatchObject({ rows: [{ full_name: 'Alice Payer' }] });
      await db().owner.insert('customers', { id: alice.sub, stripe_customer_id: 'cus_1' });
      await expect(db().rows('customers', { id: alice.sub })).toBeVisibleOnlyTo([], { among: [alice, bob, db().anonymous] });
      await db().reset();
    });
  });

  describe('mckaywrigley/chatbot-ui', () => {
    const db = project('chatbot-ui', backend);
    test('the sign-up trigger makes a profile and a home workspace, private to their owner', async () => {
      const alice = db().user('alice');
      const bob = db().user('bob');
      const { rows } = await db().owner.query('select (select count(*)::int from profiles where user_id = $1) as profiles, (select count(*)::int from workspaces where user_id = $1 and is_home) as homes', [alice.sub]);
      expect(rows[0]).toEqual({ profiles: 1, homes: 1 });
      await expect(db().rows('workspaces', { user_id: alice.sub })).toBeVisibleOnlyTo(alice, { among: [bob, db().anonymous] });
    });
  });

  describe('makerkit/nextjs-saas-starter-kit-lite', () => {
    const db = project('makerkit-lite', backend);
    test('kit.new_user_created_setup makes the personal account from the metadata; only its owner reads it', async () => {
      const alice = db().user('alice', { email: 'alice@acme.test', metadata: { name: 'Alice' } });
      const bob = db().user('bob');
      const { rows } = await db().owner.query('select name, email from accounts where id = $1', [alice.sub]);
      expect(rows).toEqual([{ name: 'Alice', email: 'alice@acme.test' }]);
      await expect(db().rows('accounts', { id: alice.sub })).toBeVisibleOnlyTo(alice, { among: [bob, db().anonymous] });
    });
  });

  describe('usebasejump/basejump', () => {
    const db = project('basejump', backend);
    test("the sign-up trigger makes alice's personal account, which she reads through the public RPC", async () => {
      const alice = db().user('alice', { metadata: { name: 'Alice' } });
      const bob = db().user('bob');
      const own = await db().owner.query('select count(*)::int as n from basejump.accounts where primary_owner_user_id = $1 and personal_account', [alice.sub]);
      expect(own.rows).toEqual([{ n: 1 }]);
      const viaRpc = await db().as(alice).query(`select public.get_personal_account() ->> 'account_id' as id`);
      expect(viaRpc.rows).toEqual([{ id: alice.sub }]);
      const asBob = await db().as(bob).query('select count(*)::int as n from basejump.accounts where primary_owner_user_id = $1', [alice.sub]);
      expect(asBob.rows).toEqual([{ n: 0 }]);
    });
  });

  describe('midday-ai/midday', () => {
    const db = project('midday', backend);
    test('handle_new_user fills public.users from auth.users; users_on_team lets anyone join any team (a real leak)', async () => {
      const alice = db().user('alice', { email: 'alice@midday.test', metadata: { full_name: 'Alice M.' } });
      const mallory = db().user('mallory');
      const { rows } = await db().owner.query('select full_name, email from users where id = $1', [alice.sub]);
      expect(rows).toEqual([{ full_name: 'Alice M.', email: 'alice@midday.test' }]);
      const team = await db().owner.query(`insert into teams (name) values ('Acme') returning id`);
      const teamId = team.rows[0]!.id as string;
      await db().owner.insert('users_on_team', { user_id: alice.sub, team_id: teamId, role: 'owner' });
      // "Enable insert for authenticated users only" FOR INSERT TO authenticated WITH CHECK (true)
      await expect(db().as(mallory).insert('users_on_team', { user_id: mallory.sub, team_id: teamId, role: 'owner' })).resolves.toEqual({ rowCount: 1 });
      await expect(db().as(mallory).insert('users_on_team', { user_id: mallory.sub, team_id: teamId, role: 'owner' })).not.toBeDeniedByRls();
      await db().reset();
    });

    test("the audit reports users_on_team's open join, also after the naive fix, and prints a fix that closes it (probes)", async () => {
      const policy = '"Enable insert for authenticated users only" on public.users_on_team';
      const reported = async () => (await db().audit({ schemas: ['public'], verifyFixes: ['error'] })).findings.filter((f) => f.object === policy);
      // ann's team, and mallory's request to join it as owner
      const join = async () => {
        const [ann, mallory] = [db().user('ann'), db().user('mal')];
        const team = await db().owner.query(`insert into teams (name) values ('Acme') returning id`);
        await db().owner.insert('users_on_team', { user_id: ann.sub, team_id: team.rows[0]!.id, role: 'owner' });
        return () => db().as(mallory).insert('users_on_team', { user_id: mallory.sub, team_id: team.rows[0]!.id, role: 'owner' });
      };
      const before = await reported();
      expect(before.map((f) => `${f.level} ${f.check}`)).toEqual(['error policy_always_true', 'warning membership_self_promotion']);
      const printed = before[0]!;
      expect(printed).toMatchObject({ fixVerified: true, fix: expect.stringMatching(/^DROP POLICY "Enable insert for authenticated users only" ON "public"."users_on_team";/) });
      try {
        // the naive fix checks the user column: still anyone joins any team, and the audit says so
        await db().owner.query(`ALTER POLICY "Enable insert for authenticated users only" ON public.users_on_team WITH CHECK ((SELECT auth.uid()) = user_id)`);
        expect((await reported()).map((f) => `${f.level} ${f.check}`)).toEqual(['warning membership_self_promotion']);
        await expect((await join())()).not.toBeDeniedByRls();
        await db().reset();
        // the printed fix: nobody adds themselves (create_team() and invitations, SECURITY DEFINER, still do)
        await db().owner.query(printed.fix);
        expect(await reported()).toEqual([]);
        await expect((await join())()).toBeDeniedByRls();
      } finally {
        await db().reset();
      }
    });
  });
});
