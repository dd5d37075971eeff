/** Row level security off, or on with no policy. Scenarios of src/audit/checks/rls.ts. */
import { RLS_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

describeChecks(RLS_CHECKS, [
  {
    check: 'rls_disabled_exposed',
    bad: `${ex('bad')} CREATE TABLE bad.notes (id int PRIMARY KEY, body text); GRANT SELECT ON bad.notes TO anonymous;
      CREATE TABLE bad.todos (id int PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), task text);`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    // notes records no owner to write a policy on: RLS alone shuts every request out
    fixNotVerified: { 'bad.notes': 'applied, it brings warning rls_enabled_no_policy' },
    expected: [
      {
        level: 'error',
        object: 'bad.notes',
        table: 'bad.notes',
        message: 'row level security is disabled on bad.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) and anonymous (SELECT) can reach through the Data API: every request sees and changes every row',
        fix: 'ALTER TABLE "bad"."notes" ENABLE ROW LEVEL SECURITY;',
      },
      {
        level: 'error',
        object: 'bad.todos',
        table: 'bad.todos',
        message: 'row level security is disabled on bad.todos, which authenticated (SELECT, INSERT, UPDATE, DELETE) can reach through the Data API: every request sees and changes every row',
        fix: 'ALTER TABLE "bad"."todos" ENABLE ROW LEVEL SECURITY;\nCREATE POLICY "own rows" ON "bad"."todos" FOR ALL TO "authenticated" USING ((SELECT auth.user_id()) = "user_id") WITH CHECK ((SELECT auth.user_id()) = "user_id");',
      },
    ],
  },
  {
    check: 'policy_exists_rls_disabled',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} ALTER TABLE bad.posts DISABLE ROW LEVEL SECURITY;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'error',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'bad.posts has policies ("delete", "insert", "read", "update") but row level security is disabled, so they are ignored: authenticated (SELECT, INSERT, UPDATE, DELETE) reach every row',
        fix: 'ALTER TABLE "bad"."posts" ENABLE ROW LEVEL SECURITY;',
      },
    ],
  },
  {
    check: 'rls_enabled_no_policy',
    bad: `${ex('bad')} ${posts('bad')}`,
    ok: `${ex('ok')} ${posts('ok')} REVOKE ALL ON ok.posts FROM authenticated;`,
    expected: [
      {
        level: 'warning',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'row level security is enabled on bad.posts but it has no policy, while authenticated (SELECT, INSERT, UPDATE, DELETE) are granted: their reads return no rows and their writes are refused; create policies for the rows they may use, or revoke the grants if the table is server-only',
        fix: 'REVOKE SELECT, INSERT, UPDATE, DELETE ON "bad"."posts" FROM "authenticated";',
      },
    ],
  },
  {
    check: 'command_granted_without_policy',
    // no DELETE policy beside SELECT, INSERT and UPDATE ones (forgotten: a warning); a catalogue
    // with a read policy only and the Data API's CRUD grants (read-only: info)
    bad: `${ex('bad')} ${posts('bad', own('bad').replace(/CREATE POLICY "delete"[^;]*;/, ''))}
      CREATE TABLE bad.catalog (id int PRIMARY KEY, name text NOT NULL);
      ALTER TABLE bad.catalog ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "everyone reads" ON bad.catalog FOR SELECT TO authenticated USING (true);`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE TABLE ok.catalog (id int PRIMARY KEY, name text NOT NULL);
      ALTER TABLE ok.catalog ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "everyone reads" ON ok.catalog FOR SELECT TO authenticated USING (true);
      REVOKE INSERT, UPDATE, DELETE ON ok.catalog FROM authenticated;
      -- one row per user (the Supabase profiles of the user-management example): no DELETE on purpose
      CREATE TABLE ok.profiles (id text PRIMARY KEY DEFAULT auth.user_id(), username text);
      ALTER TABLE ok.profiles ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "read" ON ok.profiles FOR SELECT TO authenticated USING (true);
      CREATE POLICY "insert own" ON ok.profiles FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) = id);
      CREATE POLICY "update own" ON ok.profiles FOR UPDATE TO authenticated USING ((select auth.user_id()) = id);`,
    okInfo: ['ok.profiles'],
    expected: [
      {
        level: 'warning',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'authenticated holds DELETE on bad.posts, but no DELETE policy applies to it: every such request affects 0 rows and reports success; create the policy',
        fix: 'CREATE POLICY "delete own rows" ON "bad"."posts" FOR DELETE TO "authenticated" USING ((SELECT auth.user_id()) = "user_id");',
      },
      {
        level: 'info',
        object: 'bad.catalog',
        table: 'bad.catalog',
        message: 'authenticated holds UPDATE and DELETE on bad.catalog, but no UPDATE and DELETE policy applies to it: every such request affects 0 rows and reports success; revoke the privilege if the table is not meant to be changed that way',
        fix: 'REVOKE UPDATE, DELETE ON "bad"."catalog" FROM "authenticated";',
      },
    ],
  },
]);
