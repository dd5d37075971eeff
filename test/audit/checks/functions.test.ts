/** SECURITY DEFINER functions the API roles can call, and search paths left to the caller. Scenarios of src/audit/checks/functions.ts. */
import { FUNCTION_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

/** chatbot-ui's delete_storage_object, shortened: the local demo service_role key in the body, sent over HTTP. */
const SERVICE_KEY = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU';
const deleteObject = (s: string, searchPath = '') => `
  CREATE FUNCTION ${s}.delete_object(bucket text, object text, OUT status int) RETURNS int LANGUAGE plpgsql SECURITY DEFINER ${searchPath}
    AS $$ DECLARE key text := '${SERVICE_KEY}'; BEGIN
      SELECT r.status INTO status FROM extensions.http(('DELETE', 'http://kong/storage/v1/object/' || bucket || '/' || object,
        ARRAY[extensions.http_header('authorization', 'Bearer ' || key)], NULL, NULL)::extensions.http_request) AS r;
    END $$;`;

describeChecks(FUNCTION_CHECKS, [
  {
    check: 'security_definer_search_path_mutable',
    // ranked by what the function does: it only reads (a warning), it writes or holds a service key (an error)
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.is_author(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
        AS $$ SELECT EXISTS (SELECT 1 FROM bad.posts p WHERE p.id = post AND p.user_id = auth.user_id()) $$;
      CREATE FUNCTION bad.publish(post bigint) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
        AS $$ BEGIN UPDATE posts SET is_published = true WHERE id = post AND user_id = auth.user_id(); END $$;
      ${deleteObject('bad')}`,
    // The legitimate helper: SECURITY DEFINER, empty search_path, checks the caller.
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.is_author(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT EXISTS (SELECT 1 FROM ok.posts p WHERE p.id = post AND p.user_id = (SELECT auth.user_id())) $$;`,
    expected: [
      {
        level: 'error',
        object: 'bad.delete_object(bucket text, object text, OUT status integer)',
        message: 'SECURITY DEFINER function bad.delete_object(bucket text, object text, OUT status integer) runs as postgres, is executable by authenticated and anonymous (/rpc/delete_object) and does not fix its search_path; it holds a service_role key and sends HTTP requests without looking at who calls it: revoke EXECUTE from the API roles too',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."delete_object"(bucket text, object text, OUT status integer) FROM PUBLIC, "authenticated", "anonymous";\nALTER FUNCTION "bad"."delete_object"(bucket text, object text, OUT status integer) SET search_path = \'\';',
      },
      {
        level: 'error',
        object: 'bad.publish(post bigint)',
        message: 'SECURITY DEFINER function bad.publish(post bigint) runs as postgres, is executable by authenticated and anonymous (/rpc/publish) and does not fix its search_path; it writes bad.posts',
        fix: 'ALTER FUNCTION "bad"."publish"(post bigint) SET search_path = "bad", pg_temp;',
      },
      {
        level: 'warning',
        object: 'bad.is_author(post bigint)',
        message: 'SECURITY DEFINER function bad.is_author(post bigint) runs as postgres, is executable by authenticated and anonymous (/rpc/is_author) and does not fix its search_path (it only reads)',
        fix: "ALTER FUNCTION \"bad\".\"is_author\"(post bigint) SET search_path = '';",
      },
    ],
  },
  {
    check: 'security_definer_exposed',
    title: 'a warning when it reads no table with row level security, or only answers yes or no',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} CREATE TABLE bad.settings (name text PRIMARY KEY, value text);
      REVOKE ALL ON bad.settings FROM authenticated;
      CREATE FUNCTION bad.setting(wanted text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT value FROM bad.settings WHERE name = wanted $$;
      CREATE FUNCTION bad.post_exists(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT EXISTS (SELECT 1 FROM bad.posts WHERE id = post) $$;`,
    // the same yes/no lookup, called by a policy (chatbot-ui's non_private_file_exists): its roles must execute it
    ok: `${ex('ok')} ${posts('ok', own('ok'))} CREATE TABLE ok.settings (name text PRIMARY KEY, value text);
      REVOKE ALL ON ok.settings FROM authenticated;
      CREATE FUNCTION ok.setting(wanted text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT value FROM ok.settings WHERE name = wanted $$;
      REVOKE EXECUTE ON FUNCTION ok.setting(text) FROM PUBLIC;
      CREATE FUNCTION ok.published_exists(post bigint) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT EXISTS (SELECT 1 FROM ok.posts WHERE id = post AND is_published) $$;
      CREATE TABLE ok.comments (id int PRIMARY KEY, post bigint NOT NULL, body text);
      ALTER TABLE ok.comments ENABLE ROW LEVEL SECURITY;
      REVOKE INSERT, UPDATE, DELETE ON ok.comments FROM authenticated;
      CREATE POLICY "comments of published posts" ON ok.comments FOR SELECT TO authenticated USING ((SELECT ok.published_exists(post)));`,
    expected: [
      {
        level: 'warning',
        object: 'bad.post_exists(post bigint)',
        message: 'SECURITY DEFINER function bad.post_exists(post bigint) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/post_exists, and reads bad.posts without looking at who calls it (it answers yes or no: whether such rows exist); check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."post_exists"(post bigint) FROM PUBLIC, "authenticated", "anonymous";',
      },
      {
        level: 'warning',
        object: 'bad.setting(wanted text)',
        message: 'SECURITY DEFINER function bad.setting(wanted text) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/setting without looking at who calls it: check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."setting"(wanted text) FROM PUBLIC, "authenticated", "anonymous";',
      },
    ],
  },
  {
    check: 'security_definer_exposed',
    title: 'an error when it writes, holds a service key, or returns rows of RLS tables for anyone; helpers that check the caller, one call down too, are fine',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.all_posts() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT content FROM bad.posts $$;
      CREATE FUNCTION bad.purge(days int) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
        AS $$ BEGIN DELETE FROM bad.posts WHERE NOT is_published; RAISE NOTICE 'purged %', days; END $$;
      CREATE TABLE bad.counters (name text PRIMARY KEY, n int NOT NULL DEFAULT 0);
      REVOKE ALL ON bad.counters FROM authenticated;
      CREATE FUNCTION bad.bump(counter text) RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = ''
        AS $$ UPDATE bad.counters SET n = n + 1 WHERE name = counter $$;
      ${deleteObject('bad', "SET search_path = ''")}
      -- the look-alike of ok.unpublish: the helper it calls checks that the post exists, not who asks
      CREATE FUNCTION bad.require_post(post bigint) RETURNS void LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ BEGIN IF NOT EXISTS (SELECT 1 FROM bad.posts WHERE id = post) THEN RAISE EXCEPTION 'no such post'; END IF; END $$;
      REVOKE EXECUTE ON FUNCTION bad.require_post(bigint) FROM PUBLIC;
      CREATE FUNCTION bad.unpublish(post bigint) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
        AS $$ BEGIN PERFORM bad.require_post(post); UPDATE bad.posts SET is_published = false WHERE id = post; END $$;`,
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
        message: 'SECURITY DEFINER function bad.all_posts() runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/all_posts, and reads bad.posts without looking at who calls it: the row level security of the tables it touches does not apply to its owner; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."all_posts"() FROM PUBLIC, "authenticated", "anonymous";',
      },
      {
        level: 'error',
        object: 'bad.bump(counter text)',
        message: 'SECURITY DEFINER function bad.bump(counter text) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/bump, and writes bad.counters without looking at who calls it: the row level security of the tables it touches does not apply to its owner; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."bump"(counter text) FROM PUBLIC, "authenticated", "anonymous";',
      },
      {
        level: 'error',
        object: 'bad.delete_object(bucket text, object text, OUT status integer)',
        message: 'SECURITY DEFINER function bad.delete_object(bucket text, object text, OUT status integer) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/delete_object, and holds a service_role key and sends HTTP requests without looking at who calls it; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."delete_object"(bucket text, object text, OUT status integer) FROM PUBLIC, "authenticated", "anonymous";',
      },
      {
        level: 'error',
        object: 'bad.purge(days integer)',
        message: 'SECURITY DEFINER function bad.purge(days integer) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/purge, and writes bad.posts without looking at who calls it: the row level security of the tables it touches does not apply to its owner; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."purge"(days integer) FROM PUBLIC, "authenticated", "anonymous";',
      },
      {
        level: 'error',
        object: 'bad.unpublish(post bigint)',
        message: 'SECURITY DEFINER function bad.unpublish(post bigint) runs as postgres for authenticated and anonymous (EXECUTE is granted to PUBLIC, the default) through /rpc/unpublish, and writes bad.posts without looking at who calls it: the row level security of the tables it touches does not apply to its owner; check the caller inside, or revoke EXECUTE',
        fix: 'REVOKE EXECUTE ON FUNCTION "bad"."unpublish"(post bigint) FROM PUBLIC, "authenticated", "anonymous";',
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
