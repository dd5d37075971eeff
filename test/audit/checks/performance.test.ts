/** Correct but slow policies. Scenarios of src/audit/checks/performance.ts. */
import { PERFORMANCE_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

describeChecks(PERFORMANCE_CHECKS, [
  {
    check: 'auth_call_per_row',
    bad: `${ex('bad')} ${posts('bad')}
      CREATE POLICY "own" ON bad.posts FOR ALL TO authenticated USING (auth.user_id() = user_id) WITH CHECK (user_id = auth.user_id() AND length(content) > 0);`,
    // Both wrapped forms: (select auth.user_id()) = col, and the seed's (select auth.user_id() = col).
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE TABLE ok.notes (id int PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id());
      ALTER TABLE ok.notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "own" ON ok.notes FOR ALL TO authenticated USING ((select auth.user_id()) = user_id) WITH CHECK ((select auth.user_id()) = user_id);`,
    expected: [
      {
        level: 'warning',
        object: '"own" on bad.posts',
        table: 'bad.posts',
        message: 'policy "own" on bad.posts calls auth.user_id() for every row; wrapped in (SELECT ...) it runs once per statement',
        fix: 'ALTER POLICY "own" ON "bad"."posts" USING (((SELECT auth.user_id())) = user_id) WITH CHECK (user_id = ((SELECT auth.user_id())) AND length(content) > 0);',
      },
    ],
  },
  {
    check: 'multiple_permissive_policies',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} CREATE POLICY "read published" ON bad.posts FOR SELECT TO authenticated USING (is_published);`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'info',
        object: 'bad.posts select authenticated',
        table: 'bad.posts',
        message: 'bad.posts has 2 permissive policies for authenticated on SELECT ("read" and "read published"): each is evaluated for every row',
        fix: "DROP POLICY \"read\" ON \"bad\".\"posts\";\nDROP POLICY \"read published\" ON \"bad\".\"posts\";\nCREATE POLICY \"read or read published\" ON \"bad\".\"posts\" FOR SELECT TO \"authenticated\" USING (((is_published OR ( SELECT (auth.user_id() = posts.user_id)))) OR (is_published));",
      },
    ],
  },
]);
