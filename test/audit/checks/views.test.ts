/** Views and materialized views over RLS tables. Scenarios of src/audit/checks/views.ts. */
import { VIEW_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

describeChecks(VIEW_CHECKS, [
  {
    check: 'view_without_security_invoker',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} CREATE VIEW bad.published AS SELECT id, content FROM bad.posts WHERE is_published;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))} CREATE VIEW ok.published WITH (security_invoker = true) AS SELECT id, content FROM ok.posts WHERE is_published;`,
    expected: [
      {
        level: 'error',
        object: 'bad.published',
        table: 'bad.published',
        message: 'view bad.published reads bad.posts with the rights of its owner postgres, who bypasses their row level security: authenticated read every row through it',
        fix: 'ALTER VIEW "bad"."published" SET (security_invoker = true);',
      },
    ],
  },
  {
    check: 'materialized_view_exposed',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} CREATE MATERIALIZED VIEW bad.post_counts AS SELECT user_id, count(*) FROM bad.posts GROUP BY user_id;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))} CREATE MATERIALIZED VIEW ok.post_counts AS SELECT user_id, count(*) FROM ok.posts GROUP BY user_id;
         REVOKE ALL ON ok.post_counts FROM authenticated;`,
    expected: [
      {
        level: 'error',
        object: 'bad.post_counts',
        table: 'bad.post_counts',
        message: 'materialized view bad.post_counts stores rows of bad.posts, which have row level security, but has none itself: authenticated read every stored row',
        fix: 'REVOKE SELECT ON "bad"."post_counts" FROM "authenticated";',
      },
    ],
  },
]);
