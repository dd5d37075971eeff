/** Membership tables: joining any organisation, promoting oneself. Scenarios of src/audit/checks/memberships.ts. */
import { MEMBERSHIP_CHECKS } from '../../../src/audit/checks/index.js';
import { expect } from 'vitest';
import { describeChecks, exposedSchema as ex, requestAfter } from '../helpers.js';

/** team_members with a read policy and the caller's teams as a SECURITY DEFINER helper that checks the caller. */
const members = (s: string) => `${ex(s)}
CREATE TABLE ${s}.team_members (team_id text NOT NULL, user_id text NOT NULL DEFAULT auth.user_id(), role text NOT NULL DEFAULT 'member', PRIMARY KEY (team_id, user_id));
ALTER TABLE ${s}.team_members ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION ${s}.my_teams(wanted text DEFAULT NULL) RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
  AS $$ SELECT team_id FROM ${s}.team_members WHERE user_id = (SELECT auth.user_id()) AND (wanted IS NULL OR role = wanted) $$;
CREATE POLICY "members see their team" ON ${s}.team_members FOR SELECT TO authenticated USING (team_id IN (SELECT ${s}.my_teams()));`;

describeChecks(MEMBERSHIP_CHECKS, [
  {
    check: 'membership_self_promotion',
    // the naive "fix" of an open INSERT (the user column is the requester), and members editing their own row
    bad: `${members('bad')}
      CREATE POLICY "join" ON bad.team_members FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));
      CREATE POLICY "edit own membership" ON bad.team_members FOR UPDATE TO authenticated USING (user_id = (select auth.user_id()));`,
    // admins add and change members of their teams; a member may edit their own row without touching
    // role or team; a table with a user and an organisation column that holds no memberships
    ok: `${members('ok')}
      CREATE POLICY "admins add" ON ok.team_members FOR INSERT TO authenticated WITH CHECK (team_id IN (SELECT ok.my_teams('admin')));
      CREATE POLICY "admins change" ON ok.team_members FOR UPDATE TO authenticated
        USING (team_id IN (SELECT ok.my_teams('admin'))) WITH CHECK (team_id IN (SELECT ok.my_teams('admin')));
      CREATE POLICY "admins remove" ON ok.team_members FOR DELETE TO authenticated USING (team_id IN (SELECT ok.my_teams('admin')));
      CREATE POLICY "edit own membership" ON ok.team_members FOR UPDATE TO authenticated USING (user_id = (select auth.user_id()))
        WITH CHECK (user_id = (select auth.user_id()) AND role = 'member' AND team_id IN (SELECT ok.my_teams()));
      CREATE TABLE ok.documents (id int PRIMARY KEY, team_id text NOT NULL, user_id text NOT NULL DEFAULT auth.user_id(), body text);
      ALTER TABLE ok.documents ENABLE ROW LEVEL SECURITY;
      CREATE POLICY "own" ON ok.documents FOR ALL TO authenticated USING (user_id = (select auth.user_id()));`,
    expected: [
      {
        level: 'warning',
        object: '"edit own membership" on bad.team_members',
        table: 'bad.team_members',
        message: 'bad.team_members holds memberships, and policy "edit own membership" lets authenticated update memberships without being an administrator (role is not pinned): a member gives themselves any role',
        fix: 'DROP POLICY "edit own membership" ON "bad"."team_members";  -- add and change memberships through a SECURITY DEFINER function that checks the requester\'s role in the organisation',
      },
      {
        level: 'warning',
        object: '"join" on bad.team_members',
        table: 'bad.team_members',
        message: "bad.team_members holds memberships, and policy \"join\" lets authenticated insert one for any team_id and role (team_id is not checked against the requester's rights): anyone adds themselves to any organisation, as any role",
        fix: 'DROP POLICY "join" ON "bad"."team_members";  -- add and change memberships through a SECURITY DEFINER function that checks the requester\'s role in the organisation',
      },
    ],
  },
  {
    check: 'membership_self_promotion',
    title: 'what it says happens: a stranger joins a team as admin, and a member makes themselves admin',
    async run(db) {
      const bad = `${members('p')}
        CREATE POLICY "join" ON p.team_members FOR INSERT TO authenticated WITH CHECK (user_id = (select auth.user_id()));
        CREATE POLICY "edit own membership" ON p.team_members FOR UPDATE TO authenticated USING (user_id = (select auth.user_id()));
        INSERT INTO p.team_members VALUES ('acme', 'ann', 'member');`;
      const join = "INSERT INTO p.team_members VALUES ('acme', 'mallory', 'admin'); SELECT 'joined' AS done";
      expect(await requestAfter(db, bad, 'authenticated', join, { sub: 'mallory' })).toEqual({ rows: [{ done: 'joined' }] });
      const promote = "UPDATE p.team_members SET role = 'admin' WHERE user_id = 'ann'; SELECT role FROM p.team_members WHERE user_id = 'ann'";
      expect(await requestAfter(db, bad, 'authenticated', promote, { sub: 'ann' })).toEqual({ rows: [{ role: 'admin' }] });
    },
  },
  {
    check: 'membership_self_promotion',
    title: "every member of the team may update its memberships (midday's users_on_team), not only its admins",
    bad: `${members('bad')}
      CREATE FUNCTION bad.teams_of_caller() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
        AS $$ SELECT team_id FROM bad.team_members WHERE user_id = (SELECT auth.user_id()) $$;
      CREATE POLICY "members update" ON bad.team_members FOR UPDATE TO authenticated USING (team_id IN (SELECT bad.teams_of_caller()));`,
    ok: `${members('ok')}
      CREATE POLICY "admins update" ON ok.team_members FOR UPDATE TO authenticated USING (team_id IN (SELECT ok.my_teams('admin')));`,
    expected: [
      {
        level: 'warning',
        object: '"members update" on bad.team_members',
        table: 'bad.team_members',
        message: 'bad.team_members holds memberships, and policy "members update" lets authenticated update memberships without being an administrator (role is not pinned): a member gives themselves any role',
        fix: 'DROP POLICY "members update" ON "bad"."team_members";  -- add and change memberships through a SECURITY DEFINER function that checks the requester\'s role in the organisation',
      },
    ],
  },
]);
