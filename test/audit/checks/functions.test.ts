/** SECURITY DEFINER functions the API roles can call. Scenarios of src/audit/checks/functions.ts. */
import { FUNCTION_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

describeChecks(FUNCTION_CHECKS, [
  {
    check: 'security_definer_search_path_mutable',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.is_author(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
        AS $$ SELECT EXISTS (SELECT 1 FROM bad.posts p WHERE p.id = post AND p.user_id = auth.user_id()) $$;`,
    // The legitimate helper: SECURITY DEFINER, empty search_path, checks the caller.
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.is_author(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT EXISTS (SELECT 1 FROM ok.posts p WHERE p.id = post AND p.user_id = (SELECT auth.user_id())) $$;`,
    expected: [
      {
        level: 'error',
        object: 'bad.is_author(post bigint)',
        message: 'SECURITY DEFINER function bad.is_author(post bigint) runs as postgres, is executable by authenticated and anonymous (/rpc/is_author) and does not fix its search_path',
        fix: "ALTER FUNCTION \"bad\".\"is_author\"(post bigint) SET search_path = '';",
      },
    ],
  },
  {
    check: 'security_definer_exposed',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.all_posts() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT content FROM bad.posts $$;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.all_posts() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT content FROM ok.posts $$;
      REVOKE EXECUTE ON FUNCTION ok.all_posts() FROM PUBLIC;`,
    expected: [
      {
        level: 'warning',
        object: 'bad.all_posts()',
        message: 'SECURITY DEFINER function bad.all_posts() runs as postgres for authenticated and anonymous (/rpc/all_posts) without looking at who calls it: check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."all_posts"() FROM PUBLIC, "authenticated", "anonymous";',
      },
    ],
  },
]);
