/** Where policies get identity from: NULL identities, values the client controls. Scenarios of src/audit/checks/identity.ts. */
import { IDENTITY_CHECKS } from '../../../src/audit/checks/index.js';
import { expect } from 'vitest';
import { describeChecks, exposedSchema as ex, own, posts, requestAfter } from '../helpers.js';

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
    // what the header stood for is not known: the fix takes the policy away, and a policy on the verified JWT must replace it
    fixNotVerified: { '"by header" on bad.posts': 'applied, it brings warning rls_enabled_no_policy' },
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
  {
    check: 'policy_uses_user_metadata',
    title: 'read through a helper function, and in the Neon form of the claims',
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.is_admin() RETURNS boolean LANGUAGE sql STABLE SET search_path = ''
        AS $$ SELECT (auth.jwt() -> 'user_metadata' ->> 'role') = 'admin' $$;
      CREATE POLICY "admins delete" ON bad.posts FOR DELETE TO authenticated USING ((select bad.is_admin()));
      CREATE POLICY "editors update" ON bad.posts FOR UPDATE TO authenticated
        USING ((current_setting('request.jwt.claims', true)::jsonb #>> '{user_metadata,editor}') = 'true');`,
    // app_metadata is written by the server only: the same helper reading it is fine
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.is_admin() RETURNS boolean LANGUAGE sql STABLE SET search_path = ''
        AS $$ SELECT (auth.jwt() -> 'app_metadata' ->> 'role') = 'admin' $$;
      CREATE POLICY "admins delete" ON ok.posts FOR DELETE TO authenticated USING ((select ok.is_admin()));`,
    expected: [
      {
        level: 'error',
        object: '"admins delete" on bad.posts',
        table: 'bad.posts',
        message: 'policy "admins delete" on bad.posts reads user_metadata (through bad.is_admin()), which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write',
        fix: 'DROP POLICY "admins delete" ON "bad"."posts";',
      },
      {
        level: 'error',
        object: '"editors update" on bad.posts',
        table: 'bad.posts',
        message: 'policy "editors update" on bad.posts reads user_metadata, which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write',
        fix: 'DROP POLICY "editors update" ON "bad"."posts";',
      },
    ],
  },
  {
    check: 'policy_uses_request_headers',
    title: "PostgREST's per-header setting, through a PL/pgSQL helper",
    bad: `${ex('bad')} ${posts('bad', own('bad'))}
      CREATE FUNCTION bad.tenant() RETURNS text LANGUAGE plpgsql STABLE SET search_path = ''
        AS $$ BEGIN RETURN current_setting('request.header.x-tenant', true); END $$;
      CREATE POLICY "tenant reads" ON bad.posts FOR SELECT TO authenticated USING (content = (select bad.tenant()));`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE FUNCTION ok.tenant() RETURNS text LANGUAGE plpgsql STABLE SET search_path = ''
        AS $$ BEGIN RETURN current_setting('request.jwt.claims', true)::jsonb ->> 'tenant'; END $$;
      CREATE POLICY "tenant reads" ON ok.posts FOR SELECT TO authenticated USING (content = (select ok.tenant()));`,
    okProblems: [],
    expected: [
      {
        level: 'error',
        object: '"tenant reads" on bad.posts',
        table: 'bad.posts',
        message: 'policy "tenant reads" on bad.posts reads request headers or cookies (through bad.tenant()), which the client sets to anything it likes: they are not identity; use the verified JWT (auth.user_id(), auth.jwt())',
        fix: 'DROP POLICY "tenant reads" ON "bad"."posts";',
      },
    ],
  },
  {
    check: 'policy_uses_custom_setting',
    bad: `${ex('bad')} CREATE TABLE bad.docs (id int PRIMARY KEY, org_id text NOT NULL);
      ALTER TABLE bad.docs ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "tenant" ON bad.docs FOR ALL TO authenticated
        USING (org_id = current_setting('app.tenant_id', true)) WITH CHECK (org_id = current_setting('app.tenant_id', true));
      CREATE FUNCTION bad.current_org() RETURNS text LANGUAGE sql STABLE SET search_path = ''
        AS $$ SELECT current_setting('app.org', true) $$;
      CREATE TABLE bad.files (id int PRIMARY KEY, org_id text NOT NULL);
      ALTER TABLE bad.files ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "tenant" ON bad.files FOR SELECT TO authenticated USING (org_id = (select bad.current_org()));`,
    // the claims the Data API sets from the verified token, in PostgREST's and Neon's forms
    ok: `${ex('ok')} CREATE TABLE ok.docs (id int PRIMARY KEY, org_id text NOT NULL);
      ALTER TABLE ok.docs ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "tenant" ON ok.docs FOR ALL TO authenticated
        USING (org_id = (select current_setting('request.jwt.claims', true)::jsonb ->> 'org_id'))
        WITH CHECK (org_id = (select auth.jwt() ->> 'org_id'));`,
    // read through a helper: the fix takes the policy away, and a policy on the verified JWT must replace it
    fixNotVerified: { '"tenant" on bad.files': 'applied, it brings warning rls_enabled_no_policy' },
    expected: [
      {
        level: 'error',
        object: '"tenant" on bad.docs',
        table: 'bad.docs',
        message: "policy \"tenant\" on bad.docs reads current_setting('app.tenant_id'), a setting any role sets for itself with set_config() or SET: it is not identity; put the value in the JWT and read it with auth.jwt()",
        fix: "ALTER POLICY \"tenant\" ON \"bad\".\"docs\" USING (org_id = (((SELECT auth.jwt())) ->> 'tenant_id')) WITH CHECK (org_id = (((SELECT auth.jwt())) ->> 'tenant_id'));",
      },
      {
        level: 'error',
        object: '"tenant" on bad.files',
        table: 'bad.files',
        message: "policy \"tenant\" on bad.files reads current_setting('app.org') (through bad.current_org()), a setting any role sets for itself with set_config() or SET: it is not identity; put the value in the JWT and read it with auth.jwt()",
        fix: 'DROP POLICY "tenant" ON "bad"."files";',
      },
    ],
  },
  {
    check: 'identity_comparison_matches_null',
    bad: `${ex('bad')} GRANT SELECT ON ALL TABLES IN SCHEMA bad TO anonymous;
      CREATE TABLE bad.notes (id int PRIMARY KEY, user_id text, body text);
      ALTER TABLE bad.notes ENABLE ROW LEVEL SECURITY;
      GRANT SELECT ON bad.notes TO anonymous;
      CREATE POLICY "own" ON bad.notes FOR SELECT TO authenticated, anonymous USING (user_id IS NOT DISTINCT FROM (select auth.user_id()));
      CREATE POLICY "own edits" ON bad.notes FOR UPDATE TO authenticated
        USING (coalesce((select auth.user_id()), '') = coalesce(user_id, ''));`,
    // the same comparison on a NOT NULL owner column, and plain = on a nullable one: NULL never matches
    ok: `${ex('ok')} CREATE TABLE ok.notes (id int PRIMARY KEY, user_id text NOT NULL, editor text, body text);
      ALTER TABLE ok.notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "own" ON ok.notes FOR SELECT TO authenticated USING (user_id IS NOT DISTINCT FROM (select auth.user_id()));
      CREATE POLICY "editor" ON ok.notes FOR UPDATE TO authenticated USING (editor = (select auth.user_id()));
      REVOKE UPDATE ON ok.notes FROM authenticated; GRANT UPDATE (body) ON ok.notes TO authenticated;`,
    expected: [
      {
        level: 'error',
        object: '"own edits" on bad.notes',
        table: 'bad.notes',
        message: "policy \"own edits\" on bad.notes compares user_id with the identity so that NULL matches NULL ((COALESCE((SELECT auth.user_id() AS user_id), ''::text)) = (COALESCE(user_id, ''::text))): for tokens without sub it admits every row whose user_id is NULL",
        fix: 'ALTER POLICY "own edits" ON "bad"."notes" USING (user_id = ((SELECT auth.user_id() AS user_id)));',
      },
      {
        level: 'error',
        object: '"own" on bad.notes',
        table: 'bad.notes',
        message: 'policy "own" on bad.notes compares user_id with the identity so that NULL matches NULL (NOT (user_id IS DISTINCT FROM ((SELECT auth.user_id() AS user_id)))): for anonymous requests and tokens without sub it admits every row whose user_id is NULL',
        fix: 'ALTER POLICY "own" ON "bad"."notes" USING (user_id = ((SELECT auth.user_id() AS user_id)));',
      },
    ],
  },
  {
    check: 'ownerless_rows_open',
    bad: `${ex('bad')} CREATE TABLE bad.notes (id int PRIMARY KEY, user_id text DEFAULT auth.user_id(), body text);
      ALTER TABLE bad.notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "read" ON bad.notes FOR SELECT TO authenticated USING (user_id IS NULL OR user_id = (select auth.user_id()));
      CREATE POLICY "insert" ON bad.notes FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));
      CREATE POLICY "edit" ON bad.notes FOR UPDATE TO authenticated USING (user_id IS NULL OR user_id = (select auth.user_id()))
        WITH CHECK (user_id = (select auth.user_id()));
      CREATE POLICY "delete" ON bad.notes FOR DELETE TO authenticated USING (user_id = (select auth.user_id()));`,
    // IS NULL under AND (soft delete), and a NOT NULL owner column: no ownerless row exists
    ok: `${ex('ok')} CREATE TABLE ok.notes (id int PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), deleted_at timestamptz, body text);
      ALTER TABLE ok.notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "read" ON ok.notes FOR SELECT TO authenticated USING (deleted_at IS NULL AND user_id = (select auth.user_id()));
      CREATE POLICY "insert" ON ok.notes FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));
      CREATE POLICY "edit" ON ok.notes FOR UPDATE TO authenticated USING (user_id IS NULL OR user_id = (select auth.user_id()));
      CREATE POLICY "delete" ON ok.notes FOR DELETE TO authenticated USING (user_id = (select auth.user_id()));`,
    expected: [
      {
        level: 'error',
        object: '"edit" on bad.notes',
        table: 'bad.notes',
        message: 'policy "edit" on bad.notes admits every row whose user_id is NULL to authenticated: rows without an owner can be changed by every requester',
        fix: 'ALTER POLICY "edit" ON "bad"."notes" USING (user_id = ((SELECT auth.user_id() AS user_id)));',
      },
      {
        level: 'warning',
        object: '"read" on bad.notes',
        table: 'bad.notes',
        message: 'policy "read" on bad.notes admits every row whose user_id is NULL to authenticated: rows without an owner can be read by every requester (if they are meant to be shared, waive this)',
        fix: 'ALTER POLICY "read" ON "bad"."notes" USING (user_id = ((SELECT auth.user_id() AS user_id)));',
      },
    ],
  },
  {
    check: 'identity_comparison_matches_null',
    title: 'what it says happens: a token without sub reads the ownerless row, and not with =',
    async run(db) {
      const notes = (cmp: string) => `${ex('p')} CREATE TABLE p.notes (id int PRIMARY KEY, user_id text, body text);
        ALTER TABLE p.notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY "own" ON p.notes FOR SELECT TO authenticated USING (user_id ${cmp} (select auth.user_id()));
        INSERT INTO p.notes VALUES (1, 'user-alice', 'mine'), (2, NULL, 'imported, no owner');`;
      const read = 'SELECT id FROM p.notes ORDER BY id';
      expect(await requestAfter(db, notes('IS NOT DISTINCT FROM'), 'authenticated', read, { role: 'authenticated' })).toEqual({ rows: [{ id: 2 }] });
      expect(await requestAfter(db, notes('='), 'authenticated', read, { role: 'authenticated' })).toEqual({ rows: [] });
      expect(await requestAfter(db, notes('='), 'authenticated', read, { sub: 'user-alice' })).toEqual({ rows: [{ id: 1 }] });
    },
  },
  {
    check: 'policy_uses_custom_setting',
    title: "what it says happens: the API role sets the setting itself and reads another tenant's rows",
    async run(db) {
      const docs = `${ex('p')} CREATE TABLE p.docs (id int PRIMARY KEY, org_id text NOT NULL);
        ALTER TABLE p.docs ENABLE ROW LEVEL SECURITY;
        CREATE POLICY "tenant" ON p.docs FOR SELECT TO authenticated USING (org_id = current_setting('app.tenant_id', true));
        INSERT INTO p.docs VALUES (1, 'acme'), (2, 'globex');`;
      const pick = (org: string) => `SELECT set_config('app.tenant_id', '${org}', true); SELECT id FROM p.docs`;
      expect(await requestAfter(db, docs, 'authenticated', pick('globex'), { sub: 'ann', org_id: 'acme' })).toEqual({ rows: [{ id: 2 }] });
    },
  },
]);
