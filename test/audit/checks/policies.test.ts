/** Policies that admit too much, and INSERT without a SELECT policy. Scenarios of src/audit/checks/policies.ts. */
import { expect } from 'vitest';
import { POLICY_CHECKS } from '../../../src/audit/checks/index.js';
import { auditAfter, describeChecks, exposedSchema as ex, of, own, posts, requestAfter } from '../helpers.js';

/** team_members whose read policy reads team_members (bad), or goes through a SECURITY DEFINER function (ok). */
const teams = (s: string, through: 'subquery' | 'function') => `${ex(s)}
  CREATE TABLE ${s}.team_members (team_id text NOT NULL, user_id text NOT NULL DEFAULT auth.user_id(), PRIMARY KEY (team_id, user_id));
  ALTER TABLE ${s}.team_members ENABLE ROW LEVEL SECURITY;
  REVOKE INSERT, UPDATE, DELETE ON ${s}.team_members FROM authenticated;
  CREATE FUNCTION ${s}.my_teams() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
    AS $$ SELECT team_id FROM ${s}.team_members WHERE user_id = (SELECT auth.user_id()) $$;
  CREATE POLICY "teammates" ON ${s}.team_members FOR SELECT TO authenticated USING (team_id IN (${
    through === 'subquery' ? `SELECT m.team_id FROM ${s}.team_members m WHERE m.user_id = (select auth.user_id())` : `SELECT ${s}.my_teams()`
  }));
  CREATE TABLE ${s}.docs (id int PRIMARY KEY, team_id text NOT NULL);
  ALTER TABLE ${s}.docs ENABLE ROW LEVEL SECURITY;
  REVOKE INSERT, UPDATE, DELETE ON ${s}.docs FROM authenticated;
  CREATE POLICY "team reads" ON ${s}.docs FOR SELECT TO authenticated
    USING (EXISTS (SELECT 1 FROM ${s}.team_members m WHERE m.team_id = docs.team_id AND m.user_id = (select auth.user_id())));`;

/** team_members, readable by each member for their own rows, and the caller's teams as a SECURITY DEFINER helper. */
const teamHelper = (s: string) => `
  CREATE TABLE ${s}.team_members (team_id text NOT NULL, user_id text NOT NULL, PRIMARY KEY (team_id, user_id));
  ALTER TABLE ${s}.team_members ENABLE ROW LEVEL SECURITY;
  REVOKE INSERT, UPDATE, DELETE ON ${s}.team_members FROM authenticated;
  CREATE POLICY "own memberships" ON ${s}.team_members FOR SELECT TO authenticated USING (user_id = (select auth.user_id()));
  CREATE FUNCTION ${s}.my_teams() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
    AS $$ SELECT team_id FROM ${s}.team_members WHERE user_id = (SELECT auth.user_id()) $$;`;

describeChecks(POLICY_CHECKS, [
  {
    check: 'policy_always_true',
    bad: `${ex('bad')} ${posts('bad')}
      CREATE POLICY "read" ON bad.posts FOR SELECT TO authenticated USING (true);
      CREATE POLICY "anyone edits" ON bad.posts FOR UPDATE TO authenticated USING (true);
      CREATE POLICY "anyone inserts" ON bad.posts FOR INSERT TO authenticated WITH CHECK (true);
      CREATE POLICY "no check" ON bad.posts FOR INSERT TO authenticated;
      CREATE POLICY "anyone deletes" ON bad.posts FOR DELETE TO authenticated USING (1 = 1);`,
    ok: `${ex('ok')} ${posts('ok')}
      CREATE POLICY "public read" ON ok.posts FOR SELECT TO authenticated USING (true);
      CREATE POLICY "insert" ON ok.posts FOR INSERT TO authenticated WITH CHECK ((select auth.user_id() = user_id));
      CREATE POLICY "update" ON ok.posts FOR UPDATE TO authenticated USING ((select auth.user_id() = user_id));
      CREATE POLICY "delete" ON ok.posts FOR DELETE TO authenticated USING ((select auth.user_id() = user_id));`,
    expected: [
      {
        level: 'error',
        object: '"anyone deletes" on bad.posts',
        table: 'bad.posts',
        message: 'policy "anyone deletes" on bad.posts lets authenticated delete every row (USING (true)); make it check the requester',
        fix: "DROP POLICY \"anyone deletes\" ON \"bad\".\"posts\";\nCREATE POLICY \"anyone deletes\" ON \"bad\".\"posts\" AS PERMISSIVE FOR DELETE TO \"authenticated\" USING ((SELECT auth.user_id()) = \"user_id\");",
      },
      {
        level: 'error',
        object: '"anyone edits" on bad.posts',
        table: 'bad.posts',
        message: 'policy "anyone edits" on bad.posts lets authenticated change every row (USING (true)); make it check the requester',
        fix: "DROP POLICY \"anyone edits\" ON \"bad\".\"posts\";\nCREATE POLICY \"anyone edits\" ON \"bad\".\"posts\" AS PERMISSIVE FOR UPDATE TO \"authenticated\" USING ((SELECT auth.user_id()) = \"user_id\") WITH CHECK ((SELECT auth.user_id()) = \"user_id\");",
      },
      {
        level: 'error',
        object: '"anyone inserts" on bad.posts',
        table: 'bad.posts',
        message: 'policy "anyone inserts" on bad.posts lets authenticated insert any row (WITH CHECK (true)); make it check the requester',
        fix: "DROP POLICY \"anyone inserts\" ON \"bad\".\"posts\";\nCREATE POLICY \"anyone inserts\" ON \"bad\".\"posts\" AS PERMISSIVE FOR INSERT TO \"authenticated\" WITH CHECK ((SELECT auth.user_id()) = \"user_id\");",
      },
      {
        level: 'error',
        object: '"no check" on bad.posts',
        table: 'bad.posts',
        message: 'policy "no check" on bad.posts lets authenticated insert any row (no WITH CHECK); make it check the requester',
        fix: "DROP POLICY \"no check\" ON \"bad\".\"posts\";\nCREATE POLICY \"no check\" ON \"bad\".\"posts\" AS PERMISSIVE FOR INSERT TO \"authenticated\" WITH CHECK ((SELECT auth.user_id()) = \"user_id\");",
      },
    ],
  },
  {
    check: 'permissive_true_overrides',
    // anonymous may read bad.posts (the public read is meant for it) but not bad.drafts
    bad: `${ex('bad')} ${posts('bad', own('bad'))} CREATE POLICY "everyone reads" ON bad.posts FOR SELECT USING (true); GRANT SELECT ON bad.posts TO anonymous;
      ${posts('bad', own('bad', 'drafts')).replace(/posts/g, 'drafts')} CREATE POLICY "everyone reads" ON bad.drafts FOR SELECT USING (true);`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))} GRANT SELECT ON ok.posts TO anonymous;
         CREATE POLICY "anonymous reads published" ON ok.posts FOR SELECT TO anonymous USING (is_published);`,
    expected: [
      {
        level: 'error',
        object: '"everyone reads" on bad.drafts',
        table: 'bad.drafts',
        message: 'policy "everyone reads" on bad.drafts admits every row to authenticated (USING (true)), so the condition of "read" restricts nothing: authenticated reads every row',
        fix: 'DROP POLICY "everyone reads" ON "bad"."drafts";',
      },
      {
        level: 'error',
        object: '"everyone reads" on bad.posts',
        table: 'bad.posts',
        message: 'policy "everyone reads" on bad.posts admits every row to authenticated (USING (true)), so the condition of "read" restricts nothing: authenticated reads every row',
        fix: 'ALTER POLICY "everyone reads" ON "bad"."posts" TO "anonymous";',
      },
    ],
  },
  {
    check: 'tenant_policy_permissive',
    bad: `${ex('bad')} CREATE TABLE bad.docs (id int PRIMARY KEY, org_id text NOT NULL, is_public boolean NOT NULL DEFAULT false);
      ALTER TABLE bad.docs ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "tenant isolation" ON bad.docs FOR SELECT TO authenticated USING (org_id = (select auth.organization_id()));
      CREATE POLICY "public docs" ON bad.docs FOR SELECT TO authenticated USING (is_public);`,
    ok: `${ex('ok')} CREATE TABLE ok.docs (id int PRIMARY KEY, org_id text NOT NULL, is_public boolean NOT NULL DEFAULT false);
      ALTER TABLE ok.docs ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "tenant isolation" ON ok.docs AS RESTRICTIVE FOR ALL TO authenticated USING (org_id = (select auth.organization_id())) WITH CHECK (org_id = (select auth.organization_id()));
      CREATE POLICY "members" ON ok.docs FOR ALL TO authenticated USING (true) WITH CHECK (org_id = (select auth.organization_id()));`,
    expected: [
      {
        level: 'warning',
        object: '"tenant isolation" on bad.docs',
        table: 'bad.docs',
        message: 'policy "tenant isolation" on bad.docs checks the tenant, but it is permissive and "public docs" (also permissive, for authenticated) does not: the two are ORed, so rows of other tenants pass through "public docs"; add the tenant condition as a RESTRICTIVE policy (the permissive one stays, so members keep their access)',
        fix: 'CREATE POLICY "tenant isolation (boundary)" ON "bad"."docs" AS RESTRICTIVE FOR SELECT TO "authenticated" USING ((org_id = ( SELECT auth.organization_id() AS organization_id)));',
      },
    ],
  },
  {
    check: 'tenant_policy_permissive',
    title: "an own-row policy ORed with the team's is no leak (midday's users, invites, storage folders); an own-row INSERT beside a team column is",
    // a user writes their own document (user_id = requester) into any team: the team_id is not checked
    bad: `${ex('bad')} ${teamHelper('bad')}
      CREATE TABLE bad.documents (id int PRIMARY KEY, team_id text NOT NULL, user_id text NOT NULL DEFAULT auth.user_id(), body text);
      ALTER TABLE bad.documents ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE ON bad.documents FROM authenticated;
      CREATE POLICY "team documents" ON bad.documents FOR ALL TO authenticated USING (team_id IN (SELECT bad.my_teams()));
      CREATE POLICY "own documents" ON bad.documents FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));`,
    // a user sees their own row and their teammates'; an invitation is its team's and its
    // invitee's (by the email of the token); a file path's first folder is a team's or the user's own
    ok: `${ex('ok')} ${teamHelper('ok')}
      CREATE TABLE ok.users (id text PRIMARY KEY DEFAULT auth.user_id(), team_id text, full_name text);
      ALTER TABLE ok.users ENABLE ROW LEVEL SECURITY;
      REVOKE INSERT, DELETE ON ok.users FROM authenticated;
      CREATE POLICY "own row" ON ok.users FOR SELECT TO authenticated USING ((select auth.user_id()) = id);
      CREATE POLICY "teammates" ON ok.users FOR SELECT TO authenticated USING (team_id IN (SELECT ok.my_teams()));
      CREATE POLICY "own row update" ON ok.users FOR UPDATE TO authenticated USING ((select auth.user_id()) = id);
      REVOKE UPDATE ON ok.users FROM authenticated; GRANT UPDATE (full_name) ON ok.users TO authenticated;
      CREATE TABLE ok.invites (id int PRIMARY KEY, team_id text NOT NULL, email text NOT NULL);
      ALTER TABLE ok.invites ENABLE ROW LEVEL SECURITY;
      REVOKE INSERT, UPDATE ON ok.invites FROM authenticated;
      CREATE POLICY "team reads" ON ok.invites FOR SELECT TO authenticated USING (team_id IN (SELECT ok.my_teams()));
      CREATE POLICY "team deletes" ON ok.invites FOR DELETE TO authenticated USING (team_id IN (SELECT ok.my_teams()));
      CREATE POLICY "invitee reads" ON ok.invites FOR SELECT TO authenticated USING (((select auth.jwt()) ->> 'email') = email);
      CREATE POLICY "invitee declines" ON ok.invites FOR DELETE TO authenticated USING (((select auth.jwt()) ->> 'email') = email);
      CREATE TABLE ok.files (id int PRIMARY KEY, bucket text NOT NULL, name text NOT NULL);
      ALTER TABLE ok.files ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON ok.files FROM authenticated;
      CREATE POLICY "team folder" ON ok.files FOR SELECT TO authenticated USING (bucket = 'vault' AND EXISTS (
        SELECT 1 FROM ok.team_members m WHERE m.user_id = (select auth.user_id()) AND m.team_id = (string_to_array(files.name, '/'))[1]));
      CREATE POLICY "team folder upload" ON ok.files FOR INSERT TO authenticated WITH CHECK (bucket = 'vault' AND EXISTS (
        SELECT 1 FROM ok.team_members m WHERE m.user_id = (select auth.user_id()) AND m.team_id = (string_to_array(files.name, '/'))[1]));
      CREATE POLICY "own folder" ON ok.files FOR SELECT TO authenticated USING (bucket = 'avatars' AND (select auth.user_id()) = (string_to_array(name, '/'))[1]);
      CREATE POLICY "own folder upload" ON ok.files FOR INSERT TO authenticated WITH CHECK (bucket = 'avatars' AND (select auth.user_id()) = (string_to_array(name, '/'))[1]);`,
    expected: [
      {
        level: 'warning',
        object: '"team documents" on bad.documents',
        table: 'bad.documents',
        message: 'policy "team documents" on bad.documents checks the tenant, but it is permissive and "own documents" (also permissive, for authenticated) does not: the two are ORed, so rows of other tenants pass through "own documents"; add the tenant condition as a RESTRICTIVE policy (the permissive one stays, so members keep their access)',
        fix: 'CREATE POLICY "team documents (boundary)" ON "bad"."documents" AS RESTRICTIVE FOR ALL TO "authenticated" USING ((team_id IN ( SELECT bad.my_teams() AS my_teams)));',
      },
    ],
  },
  {
    check: 'policy_to_public',
    bad: `${ex('bad')} ${posts('bad', own('bad'))} GRANT SELECT ON bad.posts TO anonymous;
          CREATE POLICY "published" ON bad.posts FOR SELECT USING (is_published);`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))} GRANT SELECT ON ok.posts TO anonymous;
         CREATE POLICY "published" ON ok.posts FOR SELECT TO anonymous USING (is_published);`,
    expected: [
      {
        level: 'warning',
        object: '"published" on bad.posts',
        table: 'bad.posts',
        message: 'policy "published" on bad.posts has no TO clause, so it applies to every role, anonymous included (granted SELECT); name the roles it is for (authenticated only, or anonymous and authenticated if these rows are public on purpose)',
        fix: 'ALTER POLICY "published" ON "bad"."posts" TO "authenticated";\n-- or, if these rows are public on purpose: ALTER POLICY "published" ON "bad"."posts" TO "anonymous", "authenticated";',
      },
    ],
  },
  {
    check: 'policy_to_public',
    title: 'the alternative fix of a public read keeps anonymous reads and closes the finding; a policy that ties rows to the requester admits nothing to anonymous (info)',
    async run(db) {
      const bad = `${ex('bad')} ${posts('bad', own('bad'))} GRANT SELECT, INSERT ON bad.posts TO anonymous;
        CREATE POLICY "published" ON bad.posts FOR SELECT USING (is_published);
        CREATE POLICY "own drafts" ON bad.posts FOR INSERT WITH CHECK ((select auth.user_id()) = user_id);
        CREATE POLICY "by role" ON bad.posts FOR INSERT WITH CHECK (((select auth.jwt()) ->> 'role') = content);`;
      const found = of(await auditAfter(db, bad), 'policy_to_public');
      expect(found.map((f) => [f.level, f.object, f.fix])).toEqual([
        ['warning', '"by role" on bad.posts', 'ALTER POLICY "by role" ON "bad"."posts" TO "authenticated";'],
        [
          'warning',
          '"published" on bad.posts',
          'ALTER POLICY "published" ON "bad"."posts" TO "authenticated";\n-- or, if these rows are public on purpose: ALTER POLICY "published" ON "bad"."posts" TO "anonymous", "authenticated";',
        ],
        ['info', '"own drafts" on bad.posts', 'ALTER POLICY "own drafts" ON "bad"."posts" TO "authenticated";'],
      ]);
      const alternative = found[1]!.fix.split('-- or, if these rows are public on purpose: ')[1]!;
      expect(of(await auditAfter(db, `${bad}; ${alternative}`), 'policy_to_public').map((f) => f.object)).toEqual(['"by role" on bad.posts', '"own drafts" on bad.posts']);
      const sql = `${bad}; ${alternative}; INSERT INTO bad.posts (user_id, content, is_published) VALUES ('ann', 'hello', true)`;
      expect(await requestAfter(db, sql, 'anonymous', 'SELECT content FROM bad.posts')).toEqual({ rows: [{ content: 'hello' }] });
      // what info means: anonymous inserts nothing through "own drafts" (its role claim passes "by role")
      const insert = (content: string) => `INSERT INTO bad.posts (user_id, content) VALUES ('ann', '${content}'); SELECT 1 AS written`;
      expect(await requestAfter(db, `${bad}; DROP POLICY "by role" ON bad.posts`, 'anonymous', insert('x'), { role: 'anonymous' })).toMatchObject({ error: { code: '42501' } });
      expect(await requestAfter(db, bad, 'anonymous', insert('anonymous'), { role: 'anonymous' })).toEqual({ rows: [{ written: 1 }] });
    },
  },
  {
    check: 'update_allows_handover',
    bad: `${ex('bad')} ${posts('bad', own('bad').replace(/WITH CHECK \(\(select auth.user_id\(\) = user_id\)\);\nCREATE POLICY "delete"/, "WITH CHECK (content <> '');\nCREATE POLICY \"delete\""))}`,
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
         CREATE TABLE ok.notes (id int PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id());
         ALTER TABLE ok.notes ENABLE ROW LEVEL SECURITY;
         -- no WITH CHECK: Postgres checks the new row against USING, so no handover
         CREATE POLICY "own" ON ok.notes FOR ALL TO authenticated USING ((select auth.user_id()) = user_id);`,
    expected: [
      {
        level: 'error',
        object: '"update" on bad.posts',
        table: 'bad.posts',
        message: "policy \"update\" on bad.posts checks the requester in USING but not in WITH CHECK ((content <> ''::text)): authenticated can update a row of theirs so that it belongs to someone else",
        fix: "DROP POLICY \"update\" ON \"bad\".\"posts\";\nCREATE POLICY \"update\" ON \"bad\".\"posts\" AS PERMISSIVE FOR UPDATE TO \"authenticated\" USING (( SELECT (auth.user_id() = posts.user_id))) WITH CHECK (( SELECT (auth.user_id() = posts.user_id)));",
      },
    ],
  },
  {
    check: 'insert_without_select_policy',
    // events: anyone inserts (midday's transaction_enrichments); a SELECT policy from that check would open every row
    bad: `${ex('bad')} ${posts('bad')} CREATE POLICY "insert" ON bad.posts FOR INSERT TO authenticated WITH CHECK ((select auth.user_id() = user_id));
      CREATE TABLE bad.events (id int PRIMARY KEY, name text); ALTER TABLE bad.events ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON bad.events FROM authenticated;
      CREATE POLICY "anyone records" ON bad.events FOR INSERT TO authenticated WITH CHECK (true);`,
    // anonymous holds INSERT and the INSERT policy has no TO clause, but it ties the row to the
    // requester's id: it admits nothing to anonymous, which needs no SELECT policy then
    ok: `${ex('ok')} ${posts('ok', own('ok'))} GRANT INSERT ON ok.posts TO anonymous;
      CREATE POLICY "insert own" ON ok.posts FOR INSERT WITH CHECK ((select auth.user_id()) = user_id);`,
    okInfo: [],
    fixNotVerified: { 'bad.events': 'applied, it leaves the finding' },
    expected: [
      {
        level: 'warning',
        object: 'bad.posts',
        table: 'bad.posts',
        message: 'authenticated may insert into bad.posts ("insert") but no SELECT policy applies to it: an insert that returns the row (Prefer: return=representation) fails with "new row violates row-level security policy"',
        fix: 'CREATE POLICY "authenticated reads own rows" ON "bad"."posts" FOR SELECT TO "authenticated" USING ((SELECT auth.user_id()) = "user_id");',
      },
      {
        level: 'info',
        object: 'bad.events',
        table: 'bad.events',
        message: 'authenticated may insert into bad.events ("anyone records") but no SELECT policy applies to it: an insert that returns the row (Prefer: return=representation) fails with "new row violates row-level security policy"; no SELECT policy follows from the INSERT policy without opening every row (return=minimal inserts work)',
        fix: '-- a SELECT policy on bad.events for authenticated that admits the rows it may read',
      },
    ],
  },
  {
    check: 'update_allows_handover',
    title: 'no WITH CHECK, and a USING whose OR lets a new row of anyone through; column grants and RESTRICTIVE pins are fine',
    bad: `${ex('bad')} ${posts('bad')}
      CREATE POLICY "read" ON bad.posts FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id);
      CREATE POLICY "edit own or published" ON bad.posts FOR UPDATE TO authenticated USING (is_published OR (select auth.user_id()) = user_id);`,
    // The regression look-alike: the same loose WITH CHECK, but a column-level grant keeps
    // user_id out of UPDATE; and a RESTRICTIVE policy that pins the owner.
    ok: `${ex('ok')} ${posts('ok')}
      CREATE POLICY "read" ON ok.posts FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id);
      CREATE POLICY "edit" ON ok.posts FOR UPDATE TO authenticated USING ((select auth.user_id()) = user_id) WITH CHECK (content <> '');
      REVOKE UPDATE ON ok.posts FROM authenticated; GRANT UPDATE (content, is_published) ON ok.posts TO authenticated;
      CREATE TABLE ok.notes (id int PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), shared boolean NOT NULL DEFAULT false);
      ALTER TABLE ok.notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "read" ON ok.notes FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id);
      CREATE POLICY "edit own or shared" ON ok.notes FOR UPDATE TO authenticated USING (shared OR (select auth.user_id()) = user_id);
      CREATE POLICY "owner stays" ON ok.notes AS RESTRICTIVE FOR UPDATE TO authenticated USING (true) WITH CHECK ((select auth.user_id()) = user_id);`,
    expected: [
      {
        level: 'error',
        object: '"edit own or published" on bad.posts',
        table: 'bad.posts',
        message: 'policy "edit own or published" on bad.posts checks the requester in USING, but the new row only has to pass its USING (there is no WITH CHECK), where is_published alone lets it through whatever user_id is: authenticated can update a row of theirs so that it belongs to someone else',
        fix: 'DROP POLICY "edit own or published" ON "bad"."posts";\nCREATE POLICY "edit own or published" ON "bad"."posts" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ((is_published OR (( SELECT auth.user_id() AS user_id) = user_id))) WITH CHECK (user_id = ((SELECT auth.user_id() AS user_id)));',
      },
    ],
  },
  {
    check: 'insert_check_ignores_owner',
    bad: `${ex('bad')} ${posts('bad', own('bad').replace('FOR INSERT TO authenticated WITH CHECK ((select auth.user_id() = user_id))', 'FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) IS NOT NULL)'))}`,
    // A message is its sender's and its recipient's: inserting checks the sender. A trigger that
    // sets the owner makes any WITH CHECK safe.
    ok: `${ex('ok')} CREATE TABLE ok.messages (id int PRIMARY KEY, sender text NOT NULL DEFAULT auth.user_id(), recipient text NOT NULL, body text NOT NULL);
      ALTER TABLE ok.messages ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "read" ON ok.messages FOR SELECT TO authenticated USING ((select auth.user_id()) IN (sender, recipient));
      CREATE POLICY "read2" ON ok.messages FOR SELECT TO authenticated USING ((select auth.user_id()) = sender OR (select auth.user_id()) = recipient);
      CREATE POLICY "send" ON ok.messages FOR INSERT TO authenticated WITH CHECK (sender = (select auth.user_id()));
      ${posts('ok')}
      CREATE POLICY "read" ON ok.posts FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id);
      CREATE POLICY "write" ON ok.posts FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) IS NOT NULL);
      CREATE FUNCTION ok.set_owner() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS $$ BEGIN NEW.user_id := auth.user_id(); RETURN NEW; END $$;
      CREATE TRIGGER set_owner BEFORE INSERT ON ok.posts FOR EACH ROW EXECUTE FUNCTION ok.set_owner();`,
    okProblems: [],
    expected: [
      {
        level: 'error',
        object: '"insert" on bad.posts',
        table: 'bad.posts',
        message: 'policy "insert" on bad.posts lets authenticated insert rows whose user_id is anyone\'s: (SELECT auth.user_id() AS user_id) IS NOT NULL alone passes its WITH CHECK, while the SELECT policies ("read") say a row belongs to its user_id: a user creates rows in someone else\'s name',
        fix: 'ALTER POLICY "insert" ON "bad"."posts" WITH CHECK ((SELECT auth.user_id() AS user_id) IS NOT NULL AND user_id = ((SELECT auth.user_id())));',
      },
    ],
  },
  {
    check: 'insert_check_ignores_owner',
    title: 'the owner column known from its default alone (the SELECT policies read every row)',
    // a members' board everyone signed in reads: user_id DEFAULT auth.user_id() still records who
    // wrote a row, and an INSERT check of "signed in" lets bob write in alice's name
    bad: `${ex('bad')} CREATE TABLE bad.board (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), body text NOT NULL);
      ALTER TABLE bad.board ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON bad.board FROM authenticated;
      CREATE POLICY "members read" ON bad.board FOR SELECT TO authenticated USING (true);
      CREATE POLICY "members write" ON bad.board FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) IS NOT NULL);`,
    // the look-alikes: the check compares the column; a trigger sets it; a RESTRICTIVE policy pins it
    ok: `${ex('ok')} CREATE TABLE ok.board (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), body text NOT NULL);
      ALTER TABLE ok.board ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON ok.board FROM authenticated;
      CREATE POLICY "members read" ON ok.board FOR SELECT TO authenticated USING (true);
      CREATE POLICY "members write" ON ok.board FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));
      CREATE TABLE ok.stamped (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), body text NOT NULL);
      ALTER TABLE ok.stamped ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON ok.stamped FROM authenticated;
      CREATE POLICY "members read" ON ok.stamped FOR SELECT TO authenticated USING (true);
      CREATE POLICY "members write" ON ok.stamped FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) IS NOT NULL);
      CREATE FUNCTION ok.stamp() RETURNS trigger LANGUAGE plpgsql SET search_path = '' AS $$ BEGIN NEW.user_id := auth.user_id(); RETURN NEW; END $$;
      CREATE TRIGGER stamp BEFORE INSERT ON ok.stamped FOR EACH ROW EXECUTE FUNCTION ok.stamp();
      CREATE TABLE ok.pinned (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), body text NOT NULL);
      ALTER TABLE ok.pinned ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON ok.pinned FROM authenticated;
      CREATE POLICY "members read" ON ok.pinned FOR SELECT TO authenticated USING (true);
      CREATE POLICY "members write" ON ok.pinned FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) IS NOT NULL);
      CREATE POLICY "own rows only" ON ok.pinned AS RESTRICTIVE FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));`,
    expected: [
      {
        level: 'error',
        object: '"members write" on bad.board',
        table: 'bad.board',
        message: 'policy "members write" on bad.board lets authenticated insert rows whose user_id is anyone\'s: (SELECT auth.user_id() AS user_id) IS NOT NULL alone passes its WITH CHECK, while user_id DEFAULT auth.user_id() records who inserted the row: a user creates rows in someone else\'s name',
        fix: 'ALTER POLICY "members write" ON "bad"."board" WITH CHECK ((SELECT auth.user_id() AS user_id) IS NOT NULL AND user_id = ((SELECT auth.user_id())));',
      },
    ],
  },
  {
    check: 'policy_always_true',
    title: 'a USING every signed-in user passes, on a write',
    bad: `${ex('bad')} ${posts('bad')}
      CREATE POLICY "read" ON bad.posts FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id);
      CREATE POLICY "signed in users edit" ON bad.posts FOR UPDATE TO authenticated USING ((select auth.user_id()) IS NOT NULL) WITH CHECK ((select auth.user_id()) = user_id);
      CREATE POLICY "authenticated delete" ON bad.posts FOR DELETE TO authenticated USING (((select auth.jwt()) ->> 'role') = 'authenticated');`,
    // the same condition on reads: every signed-in user may read (a members-only board)
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE TABLE ok.board (id int PRIMARY KEY, body text);
      ALTER TABLE ok.board ENABLE ROW LEVEL SECURITY;
      REVOKE INSERT, UPDATE, DELETE ON ok.board FROM authenticated;
      CREATE POLICY "members read" ON ok.board FOR SELECT TO authenticated USING ((select auth.user_id()) IS NOT NULL);`,
    expected: [
      {
        level: 'error',
        object: '"authenticated delete" on bad.posts',
        table: 'bad.posts',
        message: "policy \"authenticated delete\" on bad.posts lets authenticated delete every row (USING (((( SELECT auth.jwt() AS jwt) ->> 'role'::text) = 'authenticated'::text)), which every signed-in user passes); make it check the requester",
        fix: 'DROP POLICY "authenticated delete" ON "bad"."posts";\nCREATE POLICY "authenticated delete" ON "bad"."posts" AS PERMISSIVE FOR DELETE TO "authenticated" USING ((SELECT auth.user_id()) = "user_id");',
      },
      {
        level: 'error',
        object: '"signed in users edit" on bad.posts',
        table: 'bad.posts',
        message: 'policy "signed in users edit" on bad.posts lets authenticated change every row (USING ((( SELECT auth.user_id() AS user_id) IS NOT NULL)), which every signed-in user passes); make it check the requester',
        fix: 'DROP POLICY "signed in users edit" ON "bad"."posts";\nCREATE POLICY "signed in users edit" ON "bad"."posts" AS PERMISSIVE FOR UPDATE TO "authenticated" USING ((SELECT auth.user_id()) = "user_id") WITH CHECK ((( SELECT auth.user_id() AS user_id) = user_id));',
      },
    ],
  },
  {
    check: 'policy_always_true',
    title: "an UPDATE policy without USING admits no row; a new row is nobody's when the policies decide by the primary key (midday's teams)",
    // the look-alikes: the same WITH CHECK (true) with a USING (true); an open INSERT into a table whose rows belong to a team
    bad: `${ex('bad')} ${teamHelper('bad')}
      CREATE TABLE bad.enrichments (id int PRIMARY KEY, name text NOT NULL, category text);
      ALTER TABLE bad.enrichments ENABLE ROW LEVEL SECURITY;
      REVOKE DELETE ON bad.enrichments FROM authenticated;
      CREATE POLICY "read" ON bad.enrichments FOR SELECT TO authenticated USING (true);
      CREATE POLICY "update" ON bad.enrichments FOR UPDATE TO authenticated USING (true) WITH CHECK (true);
      CREATE TABLE bad.documents (id int PRIMARY KEY, team_id text NOT NULL, body text);
      ALTER TABLE bad.documents ENABLE ROW LEVEL SECURITY;
      REVOKE UPDATE, DELETE ON bad.documents FROM authenticated;
      CREATE POLICY "team reads" ON bad.documents FOR SELECT TO authenticated USING (team_id IN (SELECT bad.my_teams()));
      CREATE POLICY "insert" ON bad.documents FOR INSERT TO authenticated WITH CHECK (true);`,
    ok: `${ex('ok')} ${teamHelper('ok')}
      CREATE TABLE ok.enrichments (id int PRIMARY KEY, name text NOT NULL, category text);
      ALTER TABLE ok.enrichments ENABLE ROW LEVEL SECURITY;
      REVOKE INSERT, DELETE ON ok.enrichments FROM authenticated;
      CREATE POLICY "read" ON ok.enrichments FOR SELECT TO authenticated USING (true);
      CREATE POLICY "update" ON ok.enrichments FOR UPDATE TO authenticated WITH CHECK (true);
      CREATE TABLE ok.teams (id text PRIMARY KEY DEFAULT gen_random_uuid()::text, name text NOT NULL);
      ALTER TABLE ok.teams ENABLE ROW LEVEL SECURITY;
      REVOKE DELETE ON ok.teams FROM authenticated;
      CREATE POLICY "members read" ON ok.teams FOR SELECT TO authenticated USING (id IN (SELECT ok.my_teams()));
      CREATE POLICY "members rename" ON ok.teams FOR UPDATE TO authenticated USING (id IN (SELECT ok.my_teams()));
      CREATE POLICY "anyone creates a team" ON ok.teams FOR INSERT TO authenticated WITH CHECK (true);`,
    okInfo: ['"anyone creates a team" on ok.teams'],
    expected: [
      {
        level: 'error',
        object: '"insert" on bad.documents',
        table: 'bad.documents',
        message: 'policy "insert" on bad.documents lets authenticated insert any row (WITH CHECK (true)); make it check the requester',
        fix: 'DROP POLICY "insert" ON "bad"."documents";\nCREATE POLICY "insert" ON "bad"."documents" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ((team_id IN ( SELECT bad.my_teams() AS my_teams)));',
      },
      {
        level: 'error',
        object: '"update" on bad.enrichments',
        table: 'bad.enrichments',
        message: 'policy "update" on bad.enrichments lets authenticated change every row (USING (true)); make it check the requester, or drop it',
        fix: 'DROP POLICY "update" ON "bad"."enrichments";',
      },
    ],
  },
  {
    check: 'policy_recursion',
    // members see their teammates by reading the members table in the policy of the members table,
    // and documents check membership through it; correct: the lookup through a SECURITY DEFINER
    // function that checks the caller (its query is planned on its own)
    bad: teams('bad', 'subquery'),
    ok: teams('ok', 'function'),
    // the fix is a change of design (a SECURITY DEFINER function), printed as a comment after
    // dropping the policy: dropping it alone leaves the table without a policy
    fixNotVerified: {
      '"team reads" on bad.docs': 'applied, it brings warning rls_enabled_no_policy',
      '"teammates" on bad.team_members': 'applied, it brings warning rls_enabled_no_policy',
    },
    expected: [
      {
        level: 'error',
        object: '"team reads" on bad.docs',
        table: 'bad.docs',
        message: 'policy "team reads" on bad.docs reads bad.team_members → bad.team_members in a sub-select (through their SELECT policies): every request as authenticated it applies to fails (42P17, infinite recursion detected in policy for relation "team_members"); read bad.team_members through a SECURITY DEFINER function (fixed search_path) that checks the caller',
        fix: 'DROP POLICY "team reads" ON "bad"."docs";  -- then recreate it calling a SECURITY DEFINER function that reads bad.team_members for the caller',
      },
      {
        level: 'error',
        object: '"teammates" on bad.team_members',
        table: 'bad.team_members',
        message: 'policy "teammates" on bad.team_members reads bad.team_members in a sub-select: every request as authenticated it applies to fails (42P17, infinite recursion detected in policy for relation "team_members"); read bad.team_members through a SECURITY DEFINER function (fixed search_path) that checks the caller',
        fix: 'DROP POLICY "teammates" ON "bad"."team_members";  -- then recreate it calling a SECURITY DEFINER function that reads bad.team_members for the caller',
      },
    ],
  },
  {
    check: 'policy_recursion',
    title: 'what it says happens: the request fails with 42P17, and not through the function',
    async run(db) {
      expect(await requestAfter(db, teams('bad', 'subquery'), 'authenticated', 'SELECT * FROM bad.docs', { sub: 'ann' })).toEqual({
        error: { code: '42P17', message: 'infinite recursion detected in policy for relation "team_members"' },
      });
      expect(await requestAfter(db, teams('ok', 'function'), 'authenticated', 'SELECT * FROM ok.docs', { sub: 'ann' })).toEqual({ rows: [] });
    },
  },
]);
