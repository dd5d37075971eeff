/** Privileges: what the API roles lack (every request fails) and what they hold but should not (TRUNCATE, PUBLIC, CREATE). */
import { ident, qualified } from '../../sql/index.js';
import { functionTables } from '../expressions.js';
import type { Privilege, RelationFacts } from '../facts.js';
import type { Check, CheckContext, Finding, Level } from '../types.js';
import { CRUD, CMD_PRIV, nameOf, sqlName, isTable, list, roleList, apiRoles, applies, fnObject, privs, finding, routinesOf, schemaUsage } from './_helpers.js';

export const policyWithoutGrant: Check = {
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

export const tableNotGranted: Check = {
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
          fix: `GRANT ${grantable(ctx, r, role).join(', ')} ON ${sqlName(r)} TO ${ident(role)};`,
        }),
      );
  },
};

/** What a role should be granted to use a table: a view's SELECT; on an RLS table, the commands its policies open to the role (all four when none does). */
function grantable(ctx: CheckContext, r: RelationFacts, role: string): Privilege[] {
  if (!isTable(r)) return ['SELECT'];
  const opened = CRUD.filter((priv) => r.rls && r.policies.some((p) => p.permissive && (p.cmd === 'all' || CMD_PRIV[p.cmd] === priv) && applies(ctx, p, role)));
  return opened.length ? opened : CRUD;
}

export const schemaUsageMissing: Check = {
  id: 'schema_usage_missing',
  level: 'error',
  title: 'Tables granted, schema USAGE missing',
  description: 'An API role holds privileges on tables of a schema it has no USAGE on, and policies on those tables apply to it: every request to them fails with "permission denied for schema". A role with no policy there is kept out of the schema on purpose, and is not reported.',
  run(ctx) {
    const out: Finding[] = [];
    for (const s of ctx.facts.schemas) {
      for (const role of apiRoles(ctx)) {
        if (s.usage.includes(role)) continue;
        const granted = ctx.facts.relations.filter((r) => r.schema === s.name && privs(r, role).some((p) => CRUD.includes(p)));
        // A role kept out of the schema on purpose (makerkit revokes anon's USAGE on public) has
        // no policy either: its table grants are leftovers of default privileges, and USAGE would open them.
        if (!granted.some((r) => r.policies.some((p) => p.permissive && applies(ctx, p, role)))) continue;
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

export const sequenceUsageMissing: Check = {
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

export const defaultPrivilegesMissing: Check = {
  id: 'default_privileges_missing',
  level: 'warning',
  title: 'Future tables will not be granted to authenticated',
  description: 'Every table of the schema (per owner) grants a privilege to the authenticated role, but the default privileges of the role that creates them do not: each new table answers "permission denied for table" until granted by hand (seed: "default privileges weren\'t applied"). Where the tables\' grants differ, they are made per table on purpose: only the privileges all of them share are proposed, none when one table grants nothing.',
  run(ctx) {
    const role = ctx.roles.authenticated;
    if (!apiRoles(ctx).includes(role)) return [];
    const out: Finding[] = [];
    for (const s of ctx.facts.schemas) {
      if (!s.usage.includes(role)) continue;
      for (const d of s.defaultPrivileges) {
        const tables = ctx.facts.relations.filter((r) => r.schema === s.name && isTable(r) && r.owner === d.owner && !r.partitionOf);
        // What every existing table grants: where grants differ from table to table (a catalogue
        // read-only, orders writable, a private table not at all), they are made per table on
        // purpose, and only what they all share is a default worth proposing.
        const shared = CRUD.filter((p) => tables.length > 0 && tables.every((r) => privs(r, role).includes(p)));
        const missing = shared.filter((p) => !d.privileges.includes(p));
        if (!missing.length) continue;
        out.push(
          finding(this, {
            object: s.name,
            message: `tables that ${d.owner} creates in schema ${s.name} from now on will not grant ${missing.join(', ')} to ${role}, although ${tables.length > 1 ? `all ${tables.length} of its existing tables do` : 'its existing table does'}: each new table answers "permission denied for table" until granted`,
            fix: `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(d.owner)} IN SCHEMA ${ident(s.name)} GRANT ${missing.join(', ')} ON TABLES TO ${ident(role)};`,
          }),
        );
      }
    }
    return out;
  },
};

export const publicGrant: Check = {
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

/**
 * A check for table privileges the Data API never uses, held by API roles that reach the
 * table's schema (a role without USAGE there cannot use them). `reachedBy` says, per table and
 * role, what lets the role send that privilege's statement anyway (an error then).
 */
function grantedPrivilegeCheck(
  id: string,
  level: Level,
  title: string,
  description: string,
  wanted: Privilege[],
  why: string,
  reachedBy: (ctx: CheckContext, r: RelationFacts, role: string) => string[] = () => [],
): Check {
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
          .filter((role) => schemaUsage(ctx, r.schema, role))
          .map((role) => ({ role, p: wanted.filter((w) => privs(r, role).includes(w)) }))
          .filter((x) => x.p.length);
        if (!held.length) continue;
        const all = [...new Set(held.flatMap((h) => h.p))];
        const fromPublic = all.filter((p) => r.publicPrivileges.includes(p));
        const reached = held.flatMap((h) => reachedBy(ctx, r, h.role).map((how) => `${h.role} can ${how}`));
        out.push(
          finding(this, {
            level: reached.length ? 'error' : level,
            object: nameOf(r),
            table: nameOf(r),
            message: `${list(held.map((h) => `${h.role} holds ${h.p.join(', ')}`))} on ${nameOf(r)}: ${why}${reached.length ? `, and ${list([...new Set(reached)])}` : ''}`,
            fix: `REVOKE ${all.join(', ')} ON ${sqlName(r)} FROM ${[...(fromPublic.length ? ['PUBLIC'] : []), ...held.map((h) => ident(h.role))].join(', ')};`,
          }),
        );
      }
      return out;
    },
  };
}

/** SECURITY INVOKER functions of the audited schemas that the role may call and that truncate the table: TRUNCATE through /rpc. */
function truncatingFunctions(ctx: CheckContext, r: RelationFacts, role: string): string[] {
  const rs = routinesOf(ctx);
  return ctx.facts.functions
    .filter((f) => f.audited && !f.securityDefiner && !f.returnsTrigger && f.executableBy.includes(role) && functionTables(f, rs)?.truncates.has(nameOf(r)))
    .map((f) => `empty it through /rpc/${f.name} (${fnObject(f)} runs TRUNCATE with the caller's rights)`);
}

export const truncateGranted = grantedPrivilegeCheck(
  'truncate_granted',
  'warning',
  'TRUNCATE granted to API roles',
  'TRUNCATE empties a table without looking at row level security (GRANT ALL includes it, and so do Supabase\'s default grants). The Data API cannot send it, so holding it is a hardening warning; an error where an API role can reach it: a SECURITY INVOKER function it may call through /rpc truncates the table.',
  ['TRUNCATE'],
  'TRUNCATE ignores row level security and removes every row (the Data API cannot send it, but any SQL run as the role can)',
  truncatingFunctions,
);

export const referencesTriggerGranted = grantedPrivilegeCheck(
  'references_trigger_granted',
  'warning',
  'REFERENCES or TRIGGER granted to API roles',
  'REFERENCES lets a role probe values through foreign keys and TRIGGER lets it attach triggers; neither is needed by the Data API (GRANT ALL includes both).',
  ['REFERENCES', 'TRIGGER'],
  'the Data API needs neither; they let a role probe values through foreign keys or attach triggers',
);

export const schemaCreateGranted: Check = {
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

/** This file's checks (the report order is CHECKS', in ./index.ts). */
export const GRANT_CHECKS: readonly Check[] = [policyWithoutGrant, tableNotGranted, schemaUsageMissing, sequenceUsageMissing, defaultPrivilegesMissing, publicGrant, truncateGranted, referencesTriggerGranted, schemaCreateGranted];
