/** Where policies get identity from: NULL identities, values the client controls. Scenarios of src/audit/checks/identity.ts. */
import { IDENTITY_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

describeChecks(IDENTITY_CHECKS, [
  {
    check: 'policy_uses_user_metadata',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE POLICY "admins" ON bad.posts FOR DELETE TO authenticated USING (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin');`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'error',
        object: '"admins" on bad.posts',
        table: 'bad.posts',
        message: 'policy "admins" on bad.posts reads user_metadata, which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write',
        fix: 'DROP POLICY "admins" ON "bad"."posts";',
      },
    ],
  },
  {
    check: 'policy_uses_request_headers',
    bad: `${ex('bad')} ${posts('bad')}
      CREATE POLICY "by header" ON bad.posts FOR ALL TO authenticated
        USING (user_id = (select current_setting('request.headers', true)::json ->> 'x-user-id'));`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'error',
        object: '"by header" on bad.posts',
        table: 'bad.posts',
        message: 'policy "by header" on bad.posts reads request headers or cookies, which the client sets to anything it likes: they are not identity; use the verified JWT (auth.user_id(), auth.jwt())',
        fix: 'DROP POLICY "by header" ON "bad"."posts";',
      },
    ],
  },
  {
    check: 'policy_true_without_identity',
    bad: `${ex('bad')} ${posts('bad')}
      CREATE POLICY "read" ON bad.posts FOR SELECT TO authenticated USING ((select auth.user_id()) IS NULL OR (select auth.user_id()) = user_id);
      CREATE POLICY "write" ON bad.posts FOR ALL TO authenticated USING (auth.uid() IS NULL OR (select auth.user_id()) = user_id) WITH CHECK ((select auth.user_id()) = user_id);`,
    ok: `${ex('ok')} ${posts('ok')}
      CREATE POLICY "read" ON ok.posts FOR SELECT TO authenticated USING ((select auth.user_id()) IS NOT NULL AND (select auth.user_id()) = user_id);
      CREATE POLICY "insert" ON ok.posts FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) = user_id);`,
    expected: [
      {
        level: 'error',
        object: '"read" on bad.posts',
        table: 'bad.posts',
        message: 'policy "read" on bad.posts is true whenever auth.user_id() is NULL (anonymous requests, tokens without sub): it admits every row to authenticated then',
        fix: 'ALTER POLICY "read" ON "bad"."posts" USING (((SELECT auth.user_id() AS user_id)) = user_id);',
      },
      {
        level: 'error',
        object: '"write" on bad.posts',
        table: 'bad.posts',
        message: 'policy "write" on bad.posts is true whenever auth.uid() is NULL (anonymous requests, tokens without sub): it admits every row to authenticated then',
        fix: 'ALTER POLICY "write" ON "bad"."posts" USING (((SELECT auth.user_id() AS user_id)) = user_id);',
      },
    ],
  },
]);
