/** SECURITY DEFINER functions the API roles can call, and search paths left to the caller. Scenarios of src/audit/checks/functions.ts. */
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
    title: 'a warning when it touches no table with row level security',
    bad: `${ex('bad')} CREATE TABLE bad.counters (name text PRIMARY KEY, n int NOT NULL DEFAULT 0);
      REVOKE ALL ON bad.counters FROM authenticated;
      CREATE FUNCTION bad.bump(counter text) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = ''
        AS $$ UPDATE bad.counters SET n = n + 1 WHERE name = counter $$;`,
    ok: `${ex('ok')} CREATE TABLE ok.counters (name text PRIMARY KEY, n int NOT NULL DEFAULT 0);
      REVOKE ALL ON ok.counters FROM authenticated;
      CREATE FUNCTION ok.bump(counter text) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = ''
        AS $$ UPDATE ok.counters SET n = n + 1 WHERE name = counter $$;
      REVOKE EXECUTE ON FUNCTION ok.bump(text) FROM PUBLIC;`,
    expected: [
      {
        level: 'warning',
        object: 'bad.bump(counter text)',
        message: 'SECURITY DEFINER function bad.bump(counter text) runs as postgres for authenticated and anonymous (/rpc/bump) without looking at who calls it: check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."bump"(counter text) FROM PUBLIC, "authenticated", "anonymous";',
      },
    ],
  },
  {
    check: 'security_definer_exposed',
    title: 'an error when it reads or writes RLS tables for anyone; helpers that check the caller are fine',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.all_posts() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT content FROM bad.posts $$;
      CREATE FUNCTION bad.purge(days int) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
        AS $$ BEGIN DELETE FROM bad.posts WHERE NOT is_published; RAISE NOTICE 'purged %', days; END $$;`,
    // The helper that checks the caller (the README's legitimate pattern), and a definer function
    // whose caller check lives in the helper it calls (followed one level).
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.is_author(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT EXISTS (SELECT 1 FROM ok.posts p WHERE p.id = post AND p.user_id = (SELECT auth.user_id())) $$;
      CREATE FUNCTION ok.require_author(post bigint) RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ BEGIN IF NOT ok.is_author(post) THEN RAISE EXCEPTION 'not yours'; END IF; END $$;
      CREATE FUNCTION ok.unpublish(post bigint) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
        AS $$ BEGIN PERFORM ok.require_author(post); UPDATE ok.posts SET is_published = false WHERE id = post; END $$;
      -- basejump's lookup_invitation: the unguessable token the caller passes is the check
      CREATE TABLE ok.invitations (id int PRIMARY KEY, token text NOT NULL, account_name text);
      ALTER TABLE ok.invitations ENABLE ROW LEVEL SECURITY;
      REVOKE ALL ON ok.invitations FROM authenticated;
      CREATE FUNCTION ok.lookup_invitation(lookup_invitation_token text) RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ DECLARE name text; BEGIN SELECT account_name INTO name FROM ok.invitations WHERE token = lookup_invitation_token; RETURN name; END $$;`,
    expected: [
      {
        level: 'error',
        object: 'bad.all_posts()',
        message: 'SECURITY DEFINER function bad.all_posts() runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/all_posts, and reads bad.posts without looking at who calls it: the row level security of that table does not apply to its owner, so every caller gets every row; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."all_posts"() FROM PUBLIC, "authenticated", "anonymous";',
      },
      {
        level: 'error',
        object: 'bad.purge(days integer)',
        message: 'SECURITY DEFINER function bad.purge(days integer) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/purge, and writes bad.posts without looking at who calls it: the row level security of that table does not apply to its owner, so every caller gets every row; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."purge"(days integer) FROM PUBLIC, "authenticated", "anonymous";',
      },
    ],
  },
  {
    check: 'function_search_path_mutable',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.word_count(t text) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT array_length(regexp_split_to_array(t, '\\s+'), 1) $$;
      CREATE FUNCTION bad.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.content := trim(NEW.content); RETURN NEW; END $$;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.word_count(t text) RETURNS int LANGUAGE sql IMMUTABLE SET search_path = '' AS $$ SELECT array_length(regexp_split_to_array(t, '\\s+'), 1) $$;
      CREATE FUNCTION ok.touch() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS $$ BEGIN NEW.content := trim(NEW.content); RETURN NEW; END $$;`,
    expected: [
      {
        level: 'info',
        object: 'bad.touch()',
        message: 'function bad.touch() does not fix its search_path: the names in its body resolve through the search_path of whoever calls it; pin it (and qualify the names it uses)',
        fix: 'ALTER FUNCTION "bad"."touch"() SET search_path = \'\';',
      },
      {
        level: 'info',
        object: 'bad.word_count(t text)',
        message: 'function bad.word_count(t text) does not fix its search_path: the names in its body resolve through the search_path of whoever calls it; pin it (and qualify the names it uses)',
        fix: 'ALTER FUNCTION "bad"."word_count"(t text) SET search_path = \'\';',
      },
    ],
  },
]);
