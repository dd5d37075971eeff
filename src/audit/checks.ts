/**
 * The checks. Each reads the facts and returns findings with a sentence and the SQL that fixes
 * them. Rule for every check: a correct schema must not trigger it (splinter's users' main
 * complaint was lints that flag correct schemas), so each one tests the specific shape of the
 * mistake, not a loose pattern.
 */
import { ident, literal, qualified } from '../sql/index.js';
import {
  bareAuthCalls,
  bodyChecksCaller,
  isAlwaysFalse,
  isAlwaysTrue,
  nullIdentityDisjuncts,
  referencesRequester,
  referencesTenant,
  topLevelSplit,
  usesRequestHeaders,
  usesUserMetadata,
  wrapAuthCalls,
} from './expressions.js';
import type { FunctionFacts, PolicyCmd, PolicyFacts, Privilege, RelationFacts } from './facts.js';
import type { Check, CheckContext, Finding, Level } from './types.js';

const CRUD: Privilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
const CMD_PRIV: Record<Exclude<PolicyCmd, 'all'>, Privilege> = { select: 'SELECT', insert: 'INSERT', update: 'UPDATE', delete: 'DELETE' };

// ---- helpers over the facts -------------------------------------------------------------

const nameOf = (r: { schema: string; name: string }): string => `${r.schema}.${r.name}`;
const sqlName = (r: { schema: string; name: string }): string => qualified(r.schema, r.name);
const policyObject = (r: RelationFacts, p: PolicyFacts): string => `"${p.name}" on ${nameOf(r)}`;
const isTable = (r: RelationFacts): boolean => r.kind === 'r' || r.kind === 'p';
const fnObject = (f: FunctionFacts): string => `${f.schema}.${f.name}(${f.args})`;
const fnSql = (f: FunctionFacts): string => `${qualified(f.schema, f.name)}(${f.args})`;

/** a, b and c */
function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function roleList(roles: string[]): string {
  return roles.map((r) => (r === 'public' ? 'PUBLIC' : ident(r))).join(', ');
}

/** API roles that exist, authenticated first. */
function apiRoles(ctx: CheckContext): string[] {
  return ctx.facts.roles.filter((r) => r.exists).map((r) => r.name);
}

function memberOf(ctx: CheckContext, role: string): string[] {
  return ctx.facts.roles.find((r) => r.name === role)?.memberOf ?? [];
}

/** Whether a policy applies to the role: named, through PUBLIC, or through a role it inherits. */
function applies(ctx: CheckContext, p: PolicyFacts, role: string): boolean {
  const mine = new Set(['public', role, ...memberOf(ctx, role)]);
  return p.roles.some((r) => mine.has(r));
}

function covers(p: PolicyFacts, cmd: Exclude<PolicyCmd, 'all'>): boolean {
  return p.cmd === 'all' || p.cmd === cmd;
}

function privs(r: RelationFacts, role: string): Privilege[] {
  return r.privileges[role] ?? [];
}

function schemaUsage(ctx: CheckContext, schema: string, role: string): boolean {
  return ctx.facts.schemas.find((s) => s.name === schema)?.usage.includes(role) ?? false;
}

/** API roles that reach the relation through the Data API: USAGE on its schema and some CRUD privilege. */
function exposedTo(ctx: CheckContext, r: RelationFacts): string[] {
  return apiRoles(ctx).filter((role) => schemaUsage(ctx, r.schema, role) && privs(r, role).some((p) => CRUD.includes(p)));
}

/** "authenticated (SELECT, INSERT) and anonymous (SELECT)" */
function whoReaches(ctx: CheckContext, r: RelationFacts, roles: string[]): string {
  return list(roles.map((role) => `${role} (${privs(r, role).filter((p) => CRUD.includes(p)).join(', ')})`));
}

/** The column that records a row's owner, for fix SQL: a default calling auth.user_id()/auth.uid(), or a usual name. */
function ownerCondition(r: RelationFacts): string | undefined {
  const byDefault = r.columns.find((c) => c.default && /auth\.(user_id|uid)\(\)/.test(c.default));
  const byName = r.columns.find((c) => /^(user_id|owner_id|owner|author_id|created_by)$/.test(c.name));
  const col = byDefault ?? byName;
  if (!col) return undefined;
  const fn = byDefault ? /auth\.(user_id|uid)\(\)/.exec(byDefault.default!)![0] : col.type === 'uuid' ? 'auth.uid()' : 'auth.user_id()';
  return `(SELECT ${fn}) = ${ident(col.name)}`;
}

function finding(check: Check, f: Omit<Finding, 'check' | 'level'> & { level?: Level }): Finding {
  const out: Finding = { check: check.id, level: f.level ?? check.level, object: f.object, message: f.message, fix: f.fix };
  if (f.table !== undefined) out.table = f.table;
  return out;
}

const CMD_SQL = (c: PolicyCmd): string => c.toUpperCase();

function createPolicySql(r: RelationFacts, p: PolicyFacts, changes: { restrictive?: boolean; using?: string | null; check?: string | null }): string {
  const using = changes.using === undefined ? p.using : changes.using;
  const check = changes.check === undefined ? p.check : changes.check;
  const parts = [`CREATE POLICY ${ident(p.name)} ON ${sqlName(r)}`, `AS ${changes.restrictive ?? !p.permissive ? 'RESTRICTIVE' : 'PERMISSIVE'}`, `FOR ${CMD_SQL(p.cmd)}`, `TO ${roleList(p.roles)}`];
  if (using !== null && p.cmd !== 'insert') parts.push(`USING (${using})`);
  if (check !== null && p.cmd !== 'select' && p.cmd !== 'delete') parts.push(`WITH CHECK (${check})`);
  return `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};\n${parts.join(' ')};`;
}

function forEachPolicy(ctx: CheckContext, fn: (r: RelationFacts, p: PolicyFacts) => Finding[] | Finding | undefined): Finding[] {
  const out: Finding[] = [];
  for (const r of ctx.facts.relations) {
    if (!isTable(r)) continue;
    for (const p of r.policies) {
      const got = fn(r, p);
      if (Array.isArray(got)) out.push(...got);
      else if (got) out.push(got);
    }
  }
  return out;
}

/** API roles a policy applies to. */
function policyApiRoles(ctx: CheckContext, p: PolicyFacts): string[] {
  return apiRoles(ctx).filter((role) => applies(ctx, p, role));
}

/** One finding per table that matches `where` and that some API role can reach (`who`). */
function forEachExposedTable(
  ctx: CheckContext,
  check: Check,
  where: (r: RelationFacts) => boolean,
  say: (r: RelationFacts, who: string[]) => Pick<Finding, 'message' | 'fix'>,
): Finding[] {
  return ctx.facts.relations
    .filter((r) => isTable(r) && where(r))
    .flatMap((r) => {
      const who = exposedTo(ctx, r);
      return who.length ? [finding(check, { object: nameOf(r), table: nameOf(r), ...say(r, who) })] : [];
    });
}

// ---- the checks -------------------------------------------------------------------------

const rlsDisabledExposed: Check = {
  id: 'rls_disabled_exposed',
  level: 'error',
  title: 'RLS disabled on a table the Data API reaches',
  description: 'A table that an API role can read or write with row level security disabled: every row is visible and writable to every request (seed: "I can see all rows in my table").',
  run(ctx) {
    return forEachExposedTable(ctx, this, (r) => !r.rls && r.policies.length === 0, (r, who) => ({
      message: `row level security is disabled on ${nameOf(r)}, which ${whoReaches(ctx, r, who)} can reach through the Data API: every request sees and changes every row${r.partitionOf ? ` (it is a partition of ${r.partitionOf}, and can be queried directly)` : ''}`,
      fix: `ALTER TABLE ${sqlName(r)} ENABLE ROW LEVEL SECURITY;`,
    }));
  },
};

const policyExistsRlsDisabled: Check = {
  id: 'policy_exists_rls_disabled',
  level: 'error',
  title: 'Policies exist but RLS is disabled',
  description: 'Policies are ignored while row level security is disabled: the table is open to every API role holding privileges on it.',
  run(ctx) {
    return forEachExposedTable(ctx, this, (r) => !r.rls && r.policies.length > 0, (r, who) => ({
      message: `${nameOf(r)} has policies (${r.policies.map((p) => `"${p.name}"`).join(', ')}) but row level security is disabled, so they are ignored: ${whoReaches(ctx, r, who)} reach every row`,
      fix: `ALTER TABLE ${sqlName(r)} ENABLE ROW LEVEL SECURITY;`,
    }));
  },
};

const rlsEnabledNoPolicy: Check = {
  id: 'rls_enabled_no_policy',
  level: 'warning',
  title: 'RLS enabled, no policy, yet granted to API roles',
  description: 'With row level security on and no policy, reads return no rows and writes are refused (seed: "RLS is enabled but I can\'t see any rows"). Fine for a server-only table, but then it should not be granted to the API roles.',
  run(ctx) {
    return forEachExposedTable(ctx, this, (r) => r.rls && r.policies.length === 0 && !r.partitionOf, (r, who) => ({
      message: `row level security is enabled on ${nameOf(r)} but it has no policy, while ${whoReaches(ctx, r, who)} are granted: their reads return no rows and their writes are refused; create policies for the rows they may use, or revoke the grants if the table is server-only`,
      fix: `REVOKE SELECT, INSERT, UPDATE, DELETE ON ${sqlName(r)} FROM ${roleList(who)};`,
    }));
  },
};

const policyWithoutGrant: Check = {
  id: 'policy_without_grant',
  level: 'error',
  title: 'Policies for an API role that lacks the table privileges',
  description: 'Policies name the role, but the role is not granted the table: every request fails with 42501 "permission denied for table" (seed: "Permission denied for table").',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || r.partitionOf) continue;
      for (const role of apiRoles(ctx)) {
        const named = r.policies.filter((p) => p.roles.includes(role));
        if (!named.length) continue;
        const have = privs(r, role);
        const wanted = new Set<Privilege>();
        if (!have.some((p) => CRUD.includes(p))) named.forEach((p) => (p.cmd === 'all' ? CRUD : [CMD_PRIV[p.cmd]]).forEach((x) => wanted.add(x)));
        else named.forEach((p) => p.cmd !== 'all' && wanted.add(CMD_PRIV[p.cmd]));
        const missing = CRUD.filter((p) => wanted.has(p) && !have.includes(p));
        if (!missing.length) continue;
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `policies on ${nameOf(r)} (${named.map((p) => `"${p.name}"`).join(', ')}) are for ${role}, but ${role} lacks ${missing.join(', ')} on it: those requests fail with "permission denied for table ${r.name}"`,
            fix: `GRANT ${missing.join(', ')} ON ${sqlName(r)} TO ${ident(role)};`,
          }),
        );
      }
    }
    return out;
  },
};

const tableNotGranted: Check = {
  id: 'table_not_granted',
  level: 'info',
  title: 'Table not granted to the authenticated role',
  description: 'The authenticated role holds no privilege on the table: the Data API answers "permission denied for table" (seed: tables created before the Data API was enabled, or without default privileges). Intended for server-only tables.',
  run(ctx) {
    const role = ctx.roles.authenticated;
    if (!apiRoles(ctx).includes(role)) return [];
    return ctx.facts.relations
      .filter((r) => r.kind !== 'f' && !r.partitionOf && !privs(r, role).some((p) => CRUD.includes(p)) && !r.policies.some((p) => p.roles.includes(role)))
      .map((r) =>
        finding(this, {
          object: nameOf(r),
          table: nameOf(r),
          message: `${role} holds no privilege on ${nameOf(r)}: the Data API answers "permission denied for table ${r.name}" (fine if it is server-only)`,
          fix: `GRANT ${r.kind === 'r' || r.kind === 'p' ? 'SELECT, INSERT, UPDATE, DELETE' : 'SELECT'} ON ${sqlName(r)} TO ${ident(role)};`,
        }),
      );
  },
};

const schemaUsageMissing: Check = {
  id: 'schema_usage_missing',
  level: 'error',
  title: 'Tables granted, schema USAGE missing',
  description: 'An API role holds privileges on tables of a schema it has no USAGE on: every request to them fails with "permission denied for schema".',
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.facts.schemas) {
      for (const role of apiRoles(ctx)) {
        if (s.usage.includes(role)) continue;
        const granted = ctx.facts.relations.filter((r) => r.schema === s.name && privs(r, role).some((p) => CRUD.includes(p)));
        if (!granted.length) continue;
        out.push(
          finding(this, {
            object: s.name,
            message: `${role} is granted ${list(granted.slice(0, 3).map(nameOf))}${granted.length > 3 ? ` and ${granted.length - 3} more` : ''} but has no USAGE on schema ${s.name}: its requests fail with "permission denied for schema ${s.name}"`,
            fix: `GRANT USAGE ON SCHEMA ${ident(s.name)} TO ${ident(role)};`,
          }),
        );
      }
    }
    return out;
  },
};

const sequenceUsageMissing: Check = {
  id: 'sequence_usage_missing',
  level: 'error',
  title: 'INSERT granted, but not the sequence its default calls',
  description: 'A serial / nextval() default needs USAGE on its sequence: inserts fail with "permission denied for sequence" (identity columns need none).',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      for (const role of apiRoles(ctx)) {
        if (!privs(r, role).includes('INSERT')) continue;
        for (const s of r.sequences) {
          if (s.usage.includes(role)) continue;
          out.push(
            finding(this, {
              object: `${s.schema}.${s.name}`,
              table: nameOf(r),
              message: `${role} may insert into ${nameOf(r)}, whose default calls nextval('${s.schema}.${s.name}'), but has no USAGE on that sequence: its inserts fail with "permission denied for sequence ${s.name}"`,
              fix: `GRANT USAGE ON SEQUENCE ${qualified(s.schema, s.name)} TO ${ident(role)};`,
            }),
          );
        }
      }
    }
    return out;
  },
};

const defaultPrivilegesMissing: Check = {
  id: 'default_privileges_missing',
  level: 'warning',
  title: 'Future tables will not be granted to authenticated',
  description: 'The schema\'s tables are granted to the authenticated role, but the default privileges of the role that creates them do not grant new tables: each new table answers "permission denied for table" until granted by hand (seed: "default privileges weren\'t applied").',
  run(ctx) {
    const role = ctx.roles.authenticated;
    if (!apiRoles(ctx).includes(role)) return [];
    const out: Finding[] = [];
    for (const s of ctx.facts.schemas) {
      if (!s.usage.includes(role)) continue;
      for (const d of s.defaultPrivileges) {
        const tables = ctx.facts.relations.filter((r) => r.schema === s.name && isTable(r) && r.owner === d.owner);
        if (!tables.some((r) => privs(r, role).some((p) => CRUD.includes(p)))) continue;
        const missing = CRUD.filter((p) => !d.privileges.includes(p));
        if (!missing.length) continue;
        out.push(
          finding(this, {
            object: s.name,
            message: `tables that ${d.owner} creates in schema ${s.name} from now on will not grant ${missing.join(', ')} to ${role}, although its existing tables do: each new table answers "permission denied for table" until granted`,
            fix: `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(d.owner)} IN SCHEMA ${ident(s.name)} GRANT ${missing.join(', ')} ON TABLES TO ${ident(role)};`,
          }),
        );
      }
    }
    return out;
  },
};

const neonSuperuserGrant: Check = {
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

const policyAlwaysTrue: Check = {
  id: 'policy_always_true',
  level: 'error',
  title: 'A write policy that admits every row',
  description: 'A permissive UPDATE/DELETE/ALL policy with USING (true), or an INSERT/UPDATE/ALL policy whose WITH CHECK is true (or an INSERT policy without one), for an API role: every requester may change any row. SELECT USING (true) is left alone: public read access is a deliberate pattern.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive) return undefined;
      const cmds = (p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd]) as Exclude<PolicyCmd, 'all'>[];
      // A RESTRICTIVE policy (a tenant boundary, say) still limits what the true one admits.
      const roles = policyApiRoles(ctx, p).filter((role) => !r.policies.some((o) => !o.permissive && cmds.some((c) => covers(o, c)) && applies(ctx, o, role)));
      if (!roles.length) return undefined;
      const usingTrue = (p.cmd === 'update' || p.cmd === 'delete' || p.cmd === 'all') && isAlwaysTrue(p.using);
      const checkTrue =
        ((p.cmd === 'insert' || p.cmd === 'update' || p.cmd === 'all') && isAlwaysTrue(p.check)) ||
        (p.cmd === 'insert' && p.check === null) ||
        ((p.cmd === 'update' || p.cmd === 'all') && p.check === null && isAlwaysTrue(p.using));
      if (!usingTrue && !checkTrue) return undefined;
      const what = p.cmd === 'insert' ? 'insert any row' : p.cmd === 'delete' ? 'delete every row' : usingTrue ? `${p.cmd === 'all' ? 'read, change and delete' : 'change'} every row` : 'write rows owned by anyone';
      const cond = ownerCondition(r);
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} lets ${list(roles)} ${what} (${usingTrue ? 'USING (true)' : p.check === null && p.cmd === 'insert' ? 'no WITH CHECK' : 'WITH CHECK (true)'}); make it check the requester${cond ? '' : ', or drop it'}`,
        fix: cond
          ? createPolicySql(r, p, { using: usingTrue ? cond : p.using, check: checkTrue ? cond : p.check })
          : `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

const permissiveTrueOverrides: Check = {
  id: 'permissive_true_overrides',
  level: 'error',
  title: 'A permissive USING (true) ORs away another policy',
  description: 'Permissive policies are ORed: a SELECT policy with USING (true) for a role makes every other SELECT policy for that role restrict nothing.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'select') || !isAlwaysTrue(p.using)) return undefined;
      for (const role of policyApiRoles(ctx, p)) {
        const others = r.policies.filter((o) => o !== p && o.permissive && covers(o, 'select') && o.using !== null && !isAlwaysTrue(o.using) && applies(ctx, o, role));
        if (!others.length) continue;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} admits every row to ${role} (USING (true)), so the condition of ${list(others.map((o) => `"${o.name}"`))} restricts nothing: ${role} reads every row`,
          fix: p.roles.includes('public') && ctx.roles.anonymous !== role
            ? `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} TO ${ident(ctx.roles.anonymous)};`
            : `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
        });
      }
      return undefined;
    });
  },
};

const tenantOredAway: Check = {
  id: 'tenant_policy_permissive',
  level: 'warning',
  title: 'A tenant restriction ORed with a policy that ignores the tenant',
  description: 'A permissive policy that checks the tenant (tenant_id, org_id, auth.organization_id() ...) is ORed with another permissive policy for the same role and command that does not: rows of other tenants pass through the other one. A tenant boundary belongs in a RESTRICTIVE policy.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !(referencesTenant(p.using) || referencesTenant(p.check))) return undefined;
      for (const role of policyApiRoles(ctx, p)) {
        const cmds = (p.cmd === 'all' ? ['select', 'insert', 'update', 'delete'] : [p.cmd]) as Exclude<PolicyCmd, 'all'>[];
        const others = r.policies.filter(
          (o) => o !== p && o.permissive && cmds.some((c) => covers(o, c)) && applies(ctx, o, role) && !referencesTenant(o.using) && !referencesTenant(o.check) && !isAlwaysFalse(o.using),
        );
        if (!others.length) continue;
        return finding(this, {
          object: policyObject(r, p),
          table: nameOf(r),
          message: `policy "${p.name}" on ${nameOf(r)} checks the tenant, but it is permissive and ${list(others.map((o) => `"${o.name}"`))} (also permissive, for ${role}) does not: the two are ORed, so rows of other tenants pass through ${others.length > 1 ? 'them' : `"${others[0]!.name}"`}; make the tenant policy RESTRICTIVE`,
          fix: createPolicySql(r, p, { restrictive: true }),
        });
      }
      return undefined;
    });
  },
};

const policyToPublic: Check = {
  id: 'policy_to_public',
  level: 'warning',
  title: 'Policy without TO: applies to anonymous too',
  description: 'A policy created without a TO clause applies to PUBLIC, every role, the anonymous role included, on a table the anonymous role is granted.',
  run(ctx) {
    const anon = ctx.roles.anonymous;
    if (!apiRoles(ctx).includes(anon)) return [];
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.roles.includes('public') || !p.permissive) return undefined;
      const cmds = p.cmd === 'all' ? CRUD : [CMD_PRIV[p.cmd]];
      const granted = cmds.filter((c) => privs(r, anon).includes(c));
      if (!granted.length || !schemaUsage(ctx, r.schema, anon)) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} has no TO clause, so it applies to every role, ${anon} included (granted ${granted.join(', ')}); name the roles it is for`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} TO ${ident(ctx.roles.authenticated)};`,
      });
    });
  },
};

const updateAllowsHandover: Check = {
  id: 'update_allows_handover',
  level: 'error',
  title: 'UPDATE can hand a row to someone else',
  description: 'An UPDATE (or ALL) policy whose USING checks the requester but whose WITH CHECK does not: the new row is not checked, so a user can rewrite the owner column and give the row away (or take over one). Without WITH CHECK, Postgres reuses USING for the new row, which is safe; the leak is a WITH CHECK that is looser than USING.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'update') || p.check === null || isAlwaysTrue(p.check)) return undefined;
      if (!referencesRequester(p.using) || referencesRequester(p.check) || isAlwaysFalse(p.check)) return undefined;
      const roles = policyApiRoles(ctx, p);
      if (!roles.length) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} checks the requester in USING but not in WITH CHECK (${p.check}): ${list(roles)} can update a row of theirs so that it belongs to someone else`,
        fix: createPolicySql(r, p, { check: p.using }),
      });
    });
  },
};

const viewWithoutSecurityInvoker: Check = {
  id: 'view_without_security_invoker',
  level: 'error',
  title: 'View over RLS tables runs with its owner\'s rights',
  description: 'A view reads its tables with its owner\'s rights unless security_invoker = true: when the owner bypasses RLS (the tables\' owner, a superuser, BYPASSRLS), every API role that may read the view reads every row.',
  run(ctx) {
    return ctx.facts.relations
      .filter((r) => r.kind === 'v' && !r.securityInvoker && r.rlsDependencies.length > 0)
      .flatMap((r) => {
        const who = exposedTo(ctx, r).filter((role) => privs(r, role).includes('SELECT'));
        if (!who.length) return [];
        const bypassed = r.rlsDependencies.filter((d) => d.ownerBypasses).map((d) => d.name);
        return [
          finding(this, {
            level: bypassed.length ? 'error' : 'warning',
            object: nameOf(r),
            table: nameOf(r),
            message: bypassed.length
              ? `view ${nameOf(r)} reads ${list(bypassed)} with the rights of its owner ${r.owner}, who bypasses their row level security: ${list(who)} read every row through it`
              : `view ${nameOf(r)} reads ${list(r.rlsDependencies.map((d) => d.name))} with the rights of its owner ${r.owner}: the policies are checked for ${r.owner}, not for the requester's role`,
            fix: `ALTER VIEW ${sqlName(r)} SET (security_invoker = true);`,
          }),
        ];
      });
  },
};

const materializedViewExposed: Check = {
  id: 'materialized_view_exposed',
  level: 'error',
  title: 'Materialized view of RLS tables readable by API roles',
  description: 'A materialized view stores the rows its owner could read and has no row level security of its own: API roles that may read it see every stored row.',
  run(ctx) {
    return ctx.facts.relations
      .filter((r) => r.kind === 'm' && r.rlsDependencies.length > 0)
      .flatMap((r) => {
        const who = apiRoles(ctx).filter((role) => schemaUsage(ctx, r.schema, role) && privs(r, role).includes('SELECT'));
        if (!who.length) return [];
        return [
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `materialized view ${nameOf(r)} stores rows of ${list(r.rlsDependencies.map((d) => d.name))}, which have row level security, but has none itself: ${list(who)} read every stored row`,
            fix: `REVOKE SELECT ON ${sqlName(r)} FROM ${roleList(who)};`,
          }),
        ];
      });
  },
};

const securityDefinerSearchPath: Check = {
  id: 'security_definer_search_path_mutable',
  level: 'error',
  title: 'SECURITY DEFINER function without a fixed search_path, executable by API roles',
  description: 'A SECURITY DEFINER function runs with its owner\'s rights and bypasses RLS; without a pinned search_path, names in its body resolve through the caller\'s search_path, which the caller may point at objects of their own.',
  run(ctx) {
    return ctx.facts.functions
      .filter((f) => f.searchPath === null && f.executableBy.length > 0)
      .map((f) =>
        finding(this, {
          object: fnObject(f),
          message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner}, is executable by ${list(f.executableBy)} (/rpc/${f.name}) and does not fix its search_path`,
          fix: `ALTER FUNCTION ${fnSql(f)} SET search_path = '';`,
        }),
      );
  },
};

const securityDefinerExposed: Check = {
  id: 'security_definer_exposed',
  level: 'warning',
  title: 'SECURITY DEFINER function that ignores its caller, executable by API roles',
  description: 'A SECURITY DEFINER function with a fixed search_path that never looks at who calls it (no auth.*(), current_user, JWT claims) lets every API role act with its owner\'s rights. Helpers that check the caller are the legitimate pattern and are not reported.',
  run(ctx) {
    return ctx.facts.functions
      .filter((f) => f.searchPath !== null && f.executableBy.length > 0 && !bodyChecksCaller(f.body))
      .map((f) =>
        finding(this, {
          object: fnObject(f),
          message: `SECURITY DEFINER function ${fnObject(f)} runs as ${f.owner} for ${list(f.executableBy)} (/rpc/${f.name}) without looking at who calls it: check the caller inside, or revoke EXECUTE`,
          fix: `REVOKE EXECUTE ON FUNCTION ${fnSql(f)} FROM PUBLIC, ${roleList(f.executableBy)};`,
        }),
      );
  },
};

const publicGrant: Check = {
  id: 'public_grant',
  level: 'warning',
  title: 'Table privileges granted to PUBLIC',
  description: 'A privilege granted to PUBLIC is held by every role, the anonymous role included, now and in the future. Grant it to the roles that need it.',
  run(ctx) {
    return ctx.facts.relations
      .filter((r) => r.publicPrivileges.length > 0)
      .map((r) =>
        finding(this, {
          object: nameOf(r),
          table: nameOf(r),
          message: `${nameOf(r)} grants ${r.publicPrivileges.join(', ')} to PUBLIC: every role holds ${r.publicPrivileges.length > 1 ? 'them' : 'it'}, ${ctx.roles.anonymous} included`,
          fix: `REVOKE ${r.publicPrivileges.join(', ')} ON ${sqlName(r)} FROM PUBLIC;`,
        }),
      );
  },
};

function grantedPrivilegeCheck(id: string, level: Level, title: string, description: string, wanted: Privilege[], why: string): Check {
  return {
    id,
    level,
    title,
    description,
    run(ctx) {
      const out: Finding[] = [];
      for (const r of ctx.facts.relations) {
        if (r.kind === 'v' || r.kind === 'm') continue;
        const held = apiRoles(ctx)
          .map((role) => ({ role, p: wanted.filter((w) => privs(r, role).includes(w)) }))
          .filter((x) => x.p.length);
        if (!held.length) continue;
        const all = [...new Set(held.flatMap((h) => h.p))];
        const fromPublic = all.filter((p) => r.publicPrivileges.includes(p));
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `${list(held.map((h) => `${h.role} holds ${h.p.join(', ')}`))} on ${nameOf(r)}: ${why}`,
            fix: `REVOKE ${all.join(', ')} ON ${sqlName(r)} FROM ${[...(fromPublic.length ? ['PUBLIC'] : []), ...held.map((h) => ident(h.role))].join(', ')};`,
          }),
        );
      }
      return out;
    },
  };
}

const truncateGranted = grantedPrivilegeCheck(
  'truncate_granted',
  'error',
  'TRUNCATE granted to API roles',
  'TRUNCATE empties a table without looking at row level security (GRANT ALL includes it): any code path that runs SQL as an API role can wipe every user\'s rows.',
  ['TRUNCATE'],
  'TRUNCATE ignores row level security and removes every row',
);

const referencesTriggerGranted = grantedPrivilegeCheck(
  'references_trigger_granted',
  'warning',
  'REFERENCES or TRIGGER granted to API roles',
  'REFERENCES lets a role probe values through foreign keys and TRIGGER lets it attach triggers; neither is needed by the Data API (GRANT ALL includes both).',
  ['REFERENCES', 'TRIGGER'],
  'the Data API needs neither; they let a role probe values through foreign keys or attach triggers',
);

const apiRoleBypassesRls: Check = {
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

const apiRoleOwnsTable: Check = {
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

/** What pg_session_jwt and Supabase put in schema auth. */
const KNOWN_AUTH_FUNCTIONS = new Set(['session', 'jwt', 'user_id', 'uid', 'organization', 'organization_id', 'init', 'jwt_session_init', 'role', 'email']);

const authSchemaObjects: Check = {
  id: 'auth_schema_foreign_object',
  level: 'warning',
  title: 'Objects of the application in schema auth',
  description: 'Schema auth belongs to pg_session_jwt (Neon) or the auth service (Supabase): objects created there by others can shadow or be replaced by its functions, and a role that may create objects there can redefine identity. Put application objects in another schema.',
  run(ctx) {
    const out: Finding[] = [];
    for (const role of ctx.facts.authCreate) {
      out.push(
        finding(this, {
          level: 'error',
          object: 'auth',
          message: `API role ${role} may create objects in schema auth: it could define functions that policies trust for identity`,
          fix: `REVOKE CREATE ON SCHEMA ${ident('auth')} FROM PUBLIC, ${ident(role)};`,
        }),
      );
    }
    for (const o of ctx.facts.authObjects) {
      const known = o.kind === 'function' && KNOWN_AUTH_FUNCTIONS.has(o.name) && o.owner === o.schemaOwner;
      if (known || o.owner === 'supabase_auth_admin') continue;
      const ownedByApi = apiRoles(ctx).includes(o.owner);
      const name = o.kind === 'function' ? `auth.${o.name}(${o.args ?? ''})` : `auth.${o.name}`;
      const sqlObj = o.kind === 'function' ? `${qualified('auth', o.name)}(${o.args ?? ''})` : qualified('auth', o.name);
      out.push(
        finding(this, {
          level: ownedByApi ? 'error' : 'warning',
          object: name,
          message: `${o.kind} ${name} (owner ${o.owner}) was not installed by the auth extension: schema auth is the auth provider's, keep application objects elsewhere`,
          fix: `ALTER ${o.kind === 'function' ? 'FUNCTION' : o.kind === 'materialized view' ? 'MATERIALIZED VIEW' : o.kind === 'view' ? 'VIEW' : o.kind === 'foreign table' ? 'FOREIGN TABLE' : 'TABLE'} ${sqlObj} SET SCHEMA ${ident('public')};`,
        }),
      );
    }
    return out;
  },
};

const policyUsesUserMetadata: Check = {
  id: 'policy_uses_user_metadata',
  level: 'error',
  title: 'Policy trusts claims the user can edit (user_metadata)',
  description: 'user_metadata is written by the end user (supabase.auth.updateUser({ data })): a policy that reads it lets users grant themselves access.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!usesUserMetadata(p.using) && !usesUserMetadata(p.check)) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} reads user_metadata, which the user edits themselves: anyone can give themselves what it checks; use app_metadata or a table the user cannot write`,
        fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

const policyUsesRequestHeaders: Check = {
  id: 'policy_uses_request_headers',
  level: 'error',
  title: 'Policy trusts request headers or cookies',
  description: 'request.headers and request.cookies are whatever the client sends: they are not identity. Use the verified JWT (auth.user_id(), auth.jwt()).',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!usesRequestHeaders(p.using) && !usesRequestHeaders(p.check)) return undefined;
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} reads request headers or cookies, which the client sets to anything it likes: they are not identity; use the verified JWT (auth.user_id(), auth.jwt())`,
        fix: `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`,
      });
    });
  },
};

const nullIdentityDisjunct: Check = {
  id: 'policy_true_without_identity',
  level: 'error',
  title: 'Policy is true when there is no identity',
  description: 'A read policy with a top-level `auth.user_id() IS NULL OR ...`: for anonymous requests and tokens without sub, auth.user_id() is NULL, so the policy admits every row.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls || !p.permissive || !covers(p, 'select')) return undefined;
      const bad = nullIdentityDisjuncts(p.using);
      const roles = policyApiRoles(ctx, p);
      if (!bad.length || !roles.length) return undefined;
      const rest = topLevelSplit(p.using!, 'OR').filter((x) => !bad.some((b) => b.part === x));
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} is true whenever ${bad[0]!.call} is NULL (anonymous requests, tokens without sub): it admits every row to ${list(roles)} then`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} USING (${rest.join(' OR ')});`,
      });
    });
  },
};

const insertWithoutSelect: Check = {
  id: 'insert_without_select_policy',
  level: 'warning',
  title: 'INSERT allowed, but no SELECT policy: INSERT ... RETURNING fails',
  description: 'The Data API returns the inserted row (Prefer: return=representation) with INSERT ... RETURNING, which needs a SELECT policy too: without one the insert fails with "new row violates row-level security policy".',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      for (const role of apiRoles(ctx)) {
        if (!privs(r, role).includes('INSERT') || !schemaUsage(ctx, r.schema, role)) continue;
        const inserts = r.policies.filter((p) => p.permissive && covers(p, 'insert') && applies(ctx, p, role));
        if (!inserts.length) continue;
        if (r.policies.some((p) => p.permissive && covers(p, 'select') && applies(ctx, p, role))) continue;
        out.push(
          finding(this, {
            object: nameOf(r),
            table: nameOf(r),
            message: `${role} may insert into ${nameOf(r)} (${list(inserts.map((p) => `"${p.name}"`))}) but no SELECT policy applies to it: an insert that returns the row (Prefer: return=representation) fails with "new row violates row-level security policy"`,
            fix: `CREATE POLICY ${ident(`${role} reads own rows`)} ON ${sqlName(r)} FOR SELECT TO ${ident(role)} USING (${ownerCondition(r) ?? inserts[0]!.check ?? 'false'});`,
          }),
        );
      }
    }
    return out;
  },
};

const authCallPerRow: Check = {
  id: 'auth_call_per_row',
  level: 'warning',
  title: 'auth.*() evaluated for every row',
  description: 'A call such as auth.user_id() in a policy, not wrapped in (SELECT ...), is evaluated once per row; wrapped, it is evaluated once per statement (an InitPlan). Calls already inside a sub-select, like ( SELECT (auth.user_id() = user_id)), are fine.',
  run(ctx) {
    return forEachPolicy(ctx, (r, p) => {
      if (!r.rls) return undefined;
      const calls = [...bareAuthCalls(p.using), ...bareAuthCalls(p.check)];
      if (!calls.length) return undefined;
      const sets = [...(p.using && bareAuthCalls(p.using).length ? [`USING (${wrapAuthCalls(p.using)})`] : []), ...(p.check && bareAuthCalls(p.check).length ? [`WITH CHECK (${wrapAuthCalls(p.check)})`] : [])];
      return finding(this, {
        object: policyObject(r, p),
        table: nameOf(r),
        message: `policy "${p.name}" on ${nameOf(r)} calls ${list([...new Set(calls)])} for every row; wrapped in (SELECT ...) it runs once per statement`,
        fix: `ALTER POLICY ${ident(p.name)} ON ${sqlName(r)} ${sets.join(' ')};`,
      });
    });
  },
};

const multiplePermissive: Check = {
  id: 'multiple_permissive_policies',
  level: 'info',
  title: 'Several permissive policies for one role and command',
  description: 'Every permissive policy for a role and command is evaluated for every row and ORed; one policy with the conditions ORed is cheaper and easier to read. A performance hint: the schema is correct.',
  run(ctx) {
    const out: Finding[] = [];
    for (const r of ctx.facts.relations) {
      if (!isTable(r) || !r.rls) continue;
      for (const role of apiRoles(ctx)) {
        for (const cmd of ['select', 'insert', 'update', 'delete'] as const) {
          const ps = r.policies.filter((p) => p.permissive && covers(p, cmd) && applies(ctx, p, role));
          if (ps.length < 2) continue;
          const sameShape = ps.every((p) => p.cmd === cmd && p.roles.join() === ps[0]!.roles.join());
          const using = ps.map((p) => `(${p.using ?? 'true'})`).join(' OR ');
          const check = ps.map((p) => `(${p.check ?? p.using ?? 'true'})`).join(' OR ');
          out.push(
            finding(this, {
              object: `${nameOf(r)} ${cmd} ${role}`,
              table: nameOf(r),
              message: `${nameOf(r)} has ${ps.length} permissive policies for ${role} on ${cmd.toUpperCase()} (${list(ps.map((p) => `"${p.name}"`))}): each is evaluated for every row`,
              fix: sameShape
                ? `${ps.map((p) => `DROP POLICY ${ident(p.name)} ON ${sqlName(r)};`).join('\n')}\nCREATE POLICY ${ident(ps.map((p) => p.name).join(' or '))} ON ${sqlName(r)} FOR ${cmd.toUpperCase()} TO ${roleList(ps[0]!.roles)}${cmd === 'insert' ? '' : ` USING (${using})`}${cmd === 'insert' || cmd === 'update' ? ` WITH CHECK (${check})` : ''};`
                : `-- merge ${list(ps.map((p) => literal(p.name)))} into one ${cmd.toUpperCase()} policy whose condition ORs theirs`,
            }),
          );
        }
      }
    }
    return out;
  },
};

const apiRoleMissing: Check = {
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

const schemaCreateGranted: Check = {
  id: 'schema_create_granted',
  level: 'warning',
  title: 'API role may create objects in an exposed schema',
  description: 'CREATE on a schema the Data API exposes lets a role add tables, views or functions there, and shadow names that functions without a fixed search_path resolve.',
  run(ctx) {
    return ctx.facts.schemas
      .filter((s) => s.create.length > 0)
      .map((s) =>
        finding(this, {
          object: s.name,
          message: `${list(s.create)} may create objects in schema ${s.name}: they can add tables, views or functions there and shadow names that resolve through it`,
          fix: `REVOKE CREATE ON SCHEMA ${ident(s.name)} FROM PUBLIC, ${roleList(s.create)};`,
        }),
      );
  },
};

/** Every check, in the order reports list them. */
export const CHECKS: readonly Check[] = [
  rlsDisabledExposed,
  policyExistsRlsDisabled,
  rlsEnabledNoPolicy,
  policyWithoutGrant,
  tableNotGranted,
  schemaUsageMissing,
  sequenceUsageMissing,
  defaultPrivilegesMissing,
  neonSuperuserGrant,
  policyAlwaysTrue,
  permissiveTrueOverrides,
  tenantOredAway,
  policyToPublic,
  updateAllowsHandover,
  nullIdentityDisjunct,
  viewWithoutSecurityInvoker,
  materializedViewExposed,
  securityDefinerSearchPath,
  securityDefinerExposed,
  publicGrant,
  truncateGranted,
  referencesTriggerGranted,
  apiRoleBypassesRls,
  apiRoleOwnsTable,
  apiRoleMissing,
  schemaCreateGranted,
  authSchemaObjects,
  policyUsesUserMetadata,
  policyUsesRequestHeaders,
  insertWithoutSelect,
  authCallPerRow,
  multiplePermissive,
];
