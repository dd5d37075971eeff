/** The roles themselves: API roles that bypass row level security, own tables, or do not exist; Neon's neon_superuser grant. */
import { ident } from '../../sql/index.js';
import type { Check, Finding } from '../types.js';
import type { RelationFacts } from '../facts.js';
import { apiRoles, nameOf, sqlName, isTable, list, finding } from './_helpers.js';

export const neonSuperuserGrant: Check = {
  id: 'neon_superuser_database_grant',
  level: 'error',
  title: 'Database not granted to neon_superuser',
  description: 'A database made with plain CREATE DATABASE lacks the grant Neon\'s console gives; enabling the Data API then fails with "database CREATE permission is required for neon_superuser" (seed: Permission denied to create extension "pg_session_jwt").',
  run(ctx) {
    const n = ctx.facts.neonSuperuser;
    if (!n || n.createOnDatabase) return [];
    return [
      finding(this, {
        object: ctx.facts.database,
        message: `neon_superuser has no CREATE on database ${ctx.facts.database}: enabling the Data API fails with "Permission denied to create extension pg_session_jwt"`,
        fix: `GRANT ALL PRIVILEGES ON DATABASE ${ident(ctx.facts.database)} TO neon_superuser;`,
      }),
    ];
  },
};

export const apiRoleBypassesRls: Check = {
  id: 'api_role_bypasses_rls',
  level: 'error',
  title: 'API role is superuser or BYPASSRLS',
  description: 'Row level security does not apply to a superuser or a BYPASSRLS role: every request through it sees every row.',
  run(ctx) {
    return ctx.facts.roles
      .filter((r) => r.exists && (r.superuser || r.bypassRls))
      .map((r) =>
        finding(this, {
          object: r.name,
          message: `API role ${r.name} is ${r.superuser ? 'a superuser' : 'marked BYPASSRLS'}: row level security does not apply to it, so its requests see and change every row`,
          fix: `ALTER ROLE ${ident(r.name)} ${r.superuser ? 'NOSUPERUSER' : ''}${r.superuser && r.bypassRls ? ' ' : ''}${r.bypassRls ? 'NOBYPASSRLS' : ''};`,
        }),
      );
  },
};

export const apiRoleOwnsTable: Check = {
  id: 'api_role_owns_table',
  level: 'error',
  title: 'API role owns a table (or is a member of its owner) without FORCE',
  description: 'The owner of a table skips its policies unless FORCE ROW LEVEL SECURITY is set, and so does every role that inherits the owner\'s rights.',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls || r.forced) continue;
      for (const role of r.ownedBy) {
        const info = ctx.facts.roles.find((x) => x.name === role);
        if (!info || info.superuser) continue; // reported by api_role_bypasses_rls
        const direct = r.owner === role;
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: direct
              ? `API role ${role} owns ${nameOf(r)}, which is not FORCEd: the owner skips its policies, so ${role}'s requests see and change every row`
              : `API role ${role} is a member of ${r.owner}, which owns ${nameOf(r)} (not FORCEd): it skips the table's policies, so its requests see and change every row`,
            fix: direct ? `ALTER TABLE ${sqlName(r)} FORCE ROW LEVEL SECURITY;` : `REVOKE ${ident(r.owner)} FROM ${ident(role)};`,
          }),
        );
      }
    }
    return out;
  },
};

export const apiRoleMissing: Check = {
  id: 'api_role_missing',
  level: 'warning',
  title: 'API role does not exist',
  description: 'The role the Data API runs requests as does not exist in this database: the Data API is not enabled here, or it uses other role names (set them with the CLI flags --authenticated-role and --anonymous-role, or the preset option of createTestDatabase).',
  run(ctx) {
    return ctx.facts.roles
      .filter((r) => !r.exists)
      .map((r) =>
        finding(this, {
          object: r.name,
          message: `role ${r.name} does not exist: the Data API cannot run ${r.name === ctx.roles.anonymous ? 'anonymous' : 'authenticated'} requests (enable the Data API, or name the roles it uses)`,
          fix: `CREATE ROLE ${ident(r.name)} NOLOGIN;`,
        }),
      );
  },
};

export const loginRoleOwnsTable: Check = {
  id: 'login_role_owns_table',
  level: 'warning',
  title: 'A role that can log in owns RLS tables without FORCE',
  description: 'The owner of a table skips its policies unless FORCE ROW LEVEL SECURITY is set. When the owner can log in (not an API role, not a superuser), the application or a script that connects as it sees and changes every row of tables whose policies were meant to hold: often the connection string of the app is the owner\'s.',
  run(ctx) {
    const byOwner = new Map<string, RelationFacts[]>();
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls || r.forced || !r.policies.length || !r.ownerCanLogin || r.ownerBypassesRls || apiRoles(ctx).includes(r.owner)) continue;
      byOwner.set(r.owner, [...(byOwner.get(r.owner) ?? []), r]);
    }
    return [...byOwner].map(([owner, tables]) =>
      finding(this, {
        object: owner,
        message: `role ${owner} can log in and owns ${list(tables.map(nameOf))}, which have row level security but not FORCEd: a connection as ${owner} (an application's own, a script's) skips their policies and sees and changes every row`,
        fix: tables.map((r) => `ALTER TABLE ${sqlName(r)} FORCE ROW LEVEL SECURITY;`).join('\n'),
      }),
    );
  },
};

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const ROLE_CHECKS: readonly Check[] = [neonSuperuserGrant, apiRoleBypassesRls, apiRoleOwnsTable, loginRoleOwnsTable, apiRoleMissing];
