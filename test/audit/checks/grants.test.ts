/** Privileges the API roles lack, and ones they should not hold. Scenarios of src/audit/checks/grants.ts. */
import { GRANT_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

describeChecks(GRANT_CHECKS, [
  {
    check: 'policy_without_grant',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} REVOKE ALL ON bad.posts FROM authenticated;
          ${posts('bad', own('bad')).replace(/posts/g, 'drafts')} REVOKE DELETE ON bad.drafts FROM authenticated;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'error',
        object: 'bad.drafts',
        table: 'bad.drafts',
        message: 'policies on bad.drafts ("delete", "insert", "read", "update") are for authenticated, but authenticated lacks DELETE on it: those requests fail with "permission denied for table drafts"',
        fix: 'GRANT DELETE ON "bad"."drafts" TO "authenticated";',
      },
      {
        level: 'error',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'policies on bad.posts ("delete", "insert", "read", "update") are for authenticated, but authenticated lacks SELECT, INSERT, UPDATE, DELETE on it: those requests fail with "permission denied for table posts"',
        fix: 'GRANT SELECT, INSERT, UPDATE, DELETE ON "bad"."posts" TO "authenticated";',
      },
    ],
  },
  {
    check: 'table_not_granted',
    bad: `${ex('bad')} ${posts('bad')} REVOKE ALL ON bad.posts FROM authenticated;
      ${posts('bad').replace(/posts/g, 'notices')} REVOKE ALL ON bad.notices FROM authenticated; CREATE POLICY "read" ON bad.notices FOR SELECT USING (true);`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    // posts has no policy: granted, its rows stay out of reach until policies say who may use which
    fixNotVerified: { 'bad.posts': 'applied, it brings warning rls_enabled_no_policy' },
    expected: [
      {
        level: 'info',
        object: 'bad.notices',
        table: 'bad.notices',
        message: 'authenticated holds no privilege on bad.notices: the Data API answers "permission denied for table notices" (fine if it is server-only)',
        fix: 'GRANT SELECT ON "bad"."notices" TO "authenticated";',
      },
      {
        level: 'info',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'authenticated holds no privilege on bad.posts: the Data API answers "permission denied for table posts" (fine if it is server-only)',
        fix: 'GRANT SELECT, INSERT, UPDATE, DELETE ON "bad"."posts" TO "authenticated";',
      },
    ],
  },
  {
    check: 'schema_usage_missing',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} REVOKE USAGE ON SCHEMA bad FROM authenticated;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'error',
        object: 'bad',
        message: 'authenticated is granted bad.posts but has no USAGE on schema bad: its requests fail with "permission denied for schema bad"',
        fix: 'GRANT USAGE ON SCHEMA "bad" TO "authenticated";',
      },
    ],
  },
  {
    check: 'sequence_usage_missing',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} ALTER TABLE bad.posts ADD COLUMN n serial;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))} ALTER TABLE ok.posts ADD COLUMN n serial; GRANT USAGE ON SEQUENCE ok.posts_n_seq TO authenticated;`,
    expected: [
      {
        level: 'error',
        object: 'bad.posts_n_seq',
        table: 'bad.posts',
        message: "authenticated may insert into bad.posts, whose default calls nextval('bad.posts_n_seq'), but has no USAGE on that sequence: its inserts fail with \"permission denied for sequence posts_n_seq\"",
        fix: 'GRANT USAGE ON SEQUENCE "bad"."posts_n_seq" TO "authenticated";',
      },
    ],
  },
  {
    check: 'default_privileges_missing',
    bad: `${ex('bad', { defaults: false })} ${posts('bad', own('bad'))} GRANT SELECT, INSERT, UPDATE, DELETE ON bad.posts TO authenticated;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'warning',
        object: 'bad',
        message: 'tables that postgres creates in schema bad from now on will not grant SELECT, INSERT, UPDATE, DELETE to authenticated, although its existing table does: each new table answers "permission denied for table" until granted',
        fix: 'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "bad" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "authenticated";',
      },
    ],
  },
  {
    check: 'default_privileges_missing',
    title: 'grants made per table: only what every table grants is proposed, nothing when one grants nothing',
    // a read-only catalogue and writable orders: every table grants SELECT, only SELECT is a default worth proposing
    bad: `${ex('bad', { defaults: false })}
      CREATE TABLE bad.products (id int PRIMARY KEY, name text); GRANT SELECT ON bad.products TO authenticated;
      ${posts('bad', own('bad'))} GRANT SELECT, INSERT, UPDATE, DELETE ON bad.posts TO authenticated;
      ALTER TABLE bad.products ENABLE ROW LEVEL SECURITY; CREATE POLICY "catalogue" ON bad.products FOR SELECT TO authenticated USING (true);`,
    // the same, with a private table granted nothing
    ok: `${ex('ok', { defaults: false })}
      CREATE TABLE ok.products (id int PRIMARY KEY, name text); GRANT SELECT ON ok.products TO authenticated;
      ${posts('ok', own('ok'))} GRANT SELECT, INSERT, UPDATE, DELETE ON ok.posts TO authenticated;
      ALTER TABLE ok.products ENABLE ROW LEVEL SECURITY; CREATE POLICY "catalogue" ON ok.products FOR SELECT TO authenticated USING (true);
      CREATE TABLE ok.stripe_customers (id text PRIMARY KEY, customer text); ALTER TABLE ok.stripe_customers ENABLE ROW LEVEL SECURITY;`,
    expected: [
      {
        level: 'warning',
        object: 'bad',
        message: 'tables that postgres creates in schema bad from now on will not grant SELECT to authenticated, although all 2 of its existing tables do: each new table answers "permission denied for table" until granted',
        fix: 'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "bad" GRANT SELECT ON TABLES TO "authenticated";',
      },
    ],
  },
  {
    check: 'public_grant',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} GRANT SELECT ON bad.posts TO PUBLIC;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))} GRANT SELECT ON ok.posts TO anonymous;`,
    expected: [
      {
        level: 'warning',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'bad.posts grants SELECT to PUBLIC: every role holds it, anonymous included',
        fix: 'REVOKE SELECT ON "bad"."posts" FROM PUBLIC;',
      },
    ],
  },
  {
    check: 'truncate_granted',
    // a warning where the Data API cannot send it; an error where a SECURITY INVOKER function the role calls truncates
    bad: `${ex('bad')} ${posts('bad', own('bad'))} GRANT ALL ON bad.posts TO authenticated;
      ${posts('bad', own('bad', 'drafts')).replace(/posts/g, 'drafts')} GRANT TRUNCATE ON bad.drafts TO authenticated;
      CREATE FUNCTION bad.clear_drafts() RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$ BEGIN TRUNCATE bad.drafts; END $$;`,
    // the same function, where the role does not hold TRUNCATE: the call is refused
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.clear_posts() RETURNS void LANGUAGE plpgsql SET search_path = '' AS $$ BEGIN TRUNCATE ok.posts; END $$;`,
    expected: [
      {
        level: 'error',
        object: 'bad.drafts',
        table: 'bad.drafts',
        message: "authenticated holds TRUNCATE on bad.drafts: TRUNCATE ignores row level security and removes every row (the Data API cannot send it, but any SQL run as the role can), and authenticated can empty it through /rpc/clear_drafts (bad.clear_drafts() runs TRUNCATE with the caller's rights)",
        fix: 'REVOKE TRUNCATE ON "bad"."drafts" FROM "authenticated";',
      },
      {
        level: 'warning',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'authenticated holds TRUNCATE on bad.posts: TRUNCATE ignores row level security and removes every row (the Data API cannot send it, but any SQL run as the role can)',
        fix: 'REVOKE TRUNCATE ON "bad"."posts" FROM "authenticated";',
      },
    ],
  },
  {
    check: 'schema_usage_missing',
    title: 'a role kept out of the schema on purpose (makerkit revokes USAGE on public from anon): not reported, nor are its leftover privileges',
    // anonymous is granted the table, a policy applies to it (no TO clause), but it has no USAGE
    bad: `${ex('bad')} ${posts('bad', own('bad'))} REVOKE USAGE ON SCHEMA bad FROM anonymous;
      GRANT ALL ON bad.posts TO anonymous; CREATE POLICY "published" ON bad.posts FOR SELECT USING (is_published);`,
    // the same leftover grant (default privileges) without a policy for anonymous
    ok: `${ex('ok')} ${posts('ok', own('ok'))} REVOKE USAGE ON SCHEMA ok FROM anonymous; GRANT ALL ON ok.posts TO anonymous;`,
    expected: [
      {
        level: 'error',
        object: 'bad',
        message: 'anonymous is granted bad.posts but has no USAGE on schema bad: its requests fail with "permission denied for schema bad"',
        fix: 'GRANT USAGE ON SCHEMA "bad" TO "anonymous";',
      },
    ],
  },
  {
    check: 'references_trigger_granted',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} GRANT REFERENCES, TRIGGER ON bad.posts TO authenticated;`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}`,
    expected: [
      {
        level: 'warning',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'authenticated holds REFERENCES, TRIGGER on bad.posts: the Data API needs neither; they let a role probe values through foreign keys or attach triggers',
        fix: 'REVOKE REFERENCES, TRIGGER ON "bad"."posts" FROM "authenticated";',
      },
    ],
  },
  {
    check: 'schema_create_granted',
    bad: `${ex('bad')} GRANT CREATE ON SCHEMA bad TO authenticated;`,
    ok: `${ex('ok')}`,
    expected: [
      {
        level: 'warning',
        object: 'bad',
        message: 'authenticated may create objects in schema bad: they can add tables, views or functions there and shadow names that resolve through it',
        fix: 'REVOKE CREATE ON SCHEMA "bad" FROM PUBLIC, "authenticated";',
      },
    ],
  },
]);
