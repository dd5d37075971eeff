/** Columns that decide access and that users can rewrite, and sensitive columns readable too widely. Scenarios of src/audit/checks/columns.ts. */
import { COLUMN_CHECKS } from '../../../src/audit/checks/index.js';
import { describeChecks, exposedSchema as ex, own, posts } from '../helpers.js';

/** profiles (role read by another table's policy), and projects of an organisation. */
const team = (s: string, extra: { profiles?: string; projects?: string } = {}) => `${ex(s)}
CREATE TABLE ${s}.profiles (id text PRIMARY KEY DEFAULT auth.user_id(), username text, role text NOT NULL DEFAULT 'member', org_id text NOT NULL);
ALTER TABLE ${s}.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own profile" ON ${s}.profiles FOR SELECT TO authenticated USING (id = (select auth.user_id()));
CREATE POLICY "edit own profile" ON ${s}.profiles FOR UPDATE TO authenticated USING (id = (select auth.user_id()))${extra.profiles ?? ''};
CREATE TABLE ${s}.projects (id int PRIMARY KEY, org_id text NOT NULL, name text NOT NULL);
ALTER TABLE ${s}.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY "members read" ON ${s}.projects FOR SELECT TO authenticated
  USING (org_id IN (SELECT p.org_id FROM ${s}.profiles p WHERE p.id = (select auth.user_id())));
CREATE POLICY "admins edit" ON ${s}.projects FOR UPDATE TO authenticated
  USING (EXISTS (SELECT 1 FROM ${s}.profiles p WHERE p.id = (select auth.user_id()) AND p.org_id = projects.org_id AND p.role = 'admin'))
  ${extra.projects ?? "WITH CHECK (name <> '')"};`;

describeChecks(COLUMN_CHECKS, [
  {
    check: 'access_column_updatable',
    bad: team('bad'),
    // A column-level grant keeps role and org_id out of reach; the projects' WITH CHECK pins the
    // tenant; a "role" column that no access decision reads (a chat message's author kind) is data.
    ok: `${team('ok', { projects: 'WITH CHECK (EXISTS (SELECT 1 FROM ok.profiles p WHERE p.id = (select auth.user_id()) AND p.org_id = projects.org_id))' })}
      REVOKE UPDATE ON ok.profiles FROM authenticated; GRANT UPDATE (username) ON ok.profiles TO authenticated;
      CREATE TABLE ok.messages (id int PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), role text NOT NULL, body text);
      ALTER TABLE ok.messages ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "own" ON ok.messages FOR ALL TO authenticated USING (user_id = (select auth.user_id()));`,
    expected: [
      {
        level: 'warning',
        object: 'bad.profiles',
        table: 'bad.profiles',
        message: 'authenticated may update role and org_id of bad.profiles, which decide access, and "edit own profile" does not pin the new value (WITH CHECK): a user sets them to anything on the rows they may update (a role of their choosing, another tenant, another owner); grant UPDATE on the other columns only',
        fix: 'REVOKE UPDATE ON "bad"."profiles" FROM "authenticated";\nREVOKE UPDATE ("role", "org_id") ON "bad"."profiles" FROM "authenticated";\nGRANT UPDATE ("id", "username") ON "bad"."profiles" TO "authenticated";',
      },
      {
        level: 'warning',
        object: 'bad.projects',
        table: 'bad.projects',
        message: 'authenticated may update org_id of bad.projects, which decides access, and "admins edit" does not pin the new value (WITH CHECK): a user sets it to anything on the rows they may update (a role of their choosing, another tenant, another owner); grant UPDATE on the other columns only',
        fix: 'REVOKE UPDATE ON "bad"."projects" FROM "authenticated";\nREVOKE UPDATE ("org_id") ON "bad"."projects" FROM "authenticated";\nGRANT UPDATE ("id", "name") ON "bad"."projects" TO "authenticated";',
      },
    ],
  },
  {
    check: 'sensitive_columns_exposed',
    bad: `${ex('bad')}
      CREATE TABLE bad.profiles (id text PRIMARY KEY DEFAULT auth.user_id(), username text, email text);
      ALTER TABLE bad.profiles ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "profiles are public" ON bad.profiles FOR SELECT TO authenticated USING (true);
      CREATE TABLE bad.invites (id int PRIMARY KEY, token text NOT NULL, accepted boolean NOT NULL DEFAULT false);
      ALTER TABLE bad.invites ENABLE ROW LEVEL SECURITY;
      GRANT SELECT ON bad.invites TO anonymous;
      CREATE POLICY "open invites" ON bad.invites FOR SELECT TO anonymous USING (NOT accepted);`,
    // the public-read USING (true) on a table without sensitive columns; the same profiles with a
    // column grant that leaves email out; invites readable by their creator only
    ok: `${ex('ok')} ${posts('ok', own('ok'))}
      CREATE POLICY "everyone reads" ON ok.posts FOR SELECT TO anonymous USING (true);
      GRANT SELECT ON ok.posts TO anonymous;
      CREATE TABLE ok.profiles (id text PRIMARY KEY DEFAULT auth.user_id(), username text, email text);
      ALTER TABLE ok.profiles ENABLE ROW LEVEL SECURITY;
      REVOKE SELECT ON ok.profiles FROM authenticated; GRANT SELECT (id, username) ON ok.profiles TO authenticated;
      CREATE POLICY "profiles are public" ON ok.profiles FOR SELECT TO authenticated USING (true);
      CREATE TABLE ok.invites (id int PRIMARY KEY, token text NOT NULL, created_by text NOT NULL DEFAULT auth.user_id());
      ALTER TABLE ok.invites ENABLE ROW LEVEL SECURITY;
      GRANT SELECT ON ok.invites TO anonymous;
      CREATE POLICY "own invites" ON ok.invites FOR SELECT TO authenticated, anonymous USING (created_by = (select auth.user_id()));`,
    expected: [
      {
        level: 'warning',
        object: 'bad.invites',
        table: 'bad.invites',
        message: 'token of bad.invites is readable by every anonymous request (anonymous): policy "open invites" does not depend on who asks; grant SELECT on the other columns only, or narrow the policy',
        fix: 'REVOKE SELECT ON "bad"."invites" FROM "anonymous";\nREVOKE SELECT ("token") ON "bad"."invites" FROM "anonymous";\nGRANT SELECT ("id", "accepted") ON "bad"."invites" TO "anonymous";',
      },
      {
        level: 'warning',
        object: 'bad.profiles',
        table: 'bad.profiles',
        message: 'email of bad.profiles is readable by every signed-in user (authenticated): policy "profiles are public" is true for all of them; grant SELECT on the other columns only, or narrow the policy',
        fix: 'REVOKE SELECT ON "bad"."profiles" FROM "authenticated";\nREVOKE SELECT ("email") ON "bad"."profiles" FROM "authenticated";\nGRANT SELECT ("id", "username") ON "bad"."profiles" TO "authenticated";',
      },
    ],
  },
]);
