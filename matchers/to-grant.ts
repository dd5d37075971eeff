import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, list } from './_format.js';
import { asGrantable, roleArgument, type Grantable } from './_subjects.js';
import {
  COLUMN_PRIVILEGES,
  defaultTablePrivileges,
  effectivePrivileges,
  FUNCTION_PRIVILEGES,
  SCHEMA_PRIVILEGES,
  SEQUENCE_PRIVILEGES,
  tablePrivilegeNames,
  type ObjectKind,
} from '../src/internal.js';
import { ColumnRef, ENGINE, TableRef } from '../src/internal.js';
import { ident, qualified } from '../src/internal.js';
import type { Engine } from '../src/internal.js';

export interface GrantOptions {
  /** the role must hold exactly these privileges, none more (default: at least these) */
  exactly?: boolean;
  /** on db.schema(s): what tables that role creates later in the schema will grant */
  onTablesCreatedBy?: string;
}

interface Target {
  kind: ObjectKind;
  oid: number;
  column?: string;
  /** for messages: public.posts, public.posts.email, public.get_order(bigint) */
  label: string;
  /** for GRANT/REVOKE: TABLE "public"."posts", SEQUENCE ..., FUNCTION ..., SCHEMA ... */
  grantTarget: (privs: string[]) => string;
  all: readonly string[];
}

async function resolveTarget(engine: Engine, ref: Grantable): Promise<Target> {
  if (ref instanceof TableRef || ref instanceof ColumnRef) {
    const t = await (ref instanceof TableRef ? ref : ref.table).info();
    const name = qualified(t.schema, t.name);
    if (ref instanceof ColumnRef) {
      const col = await engine.catalog.column(t, ref.column);
      return { kind: 'column', oid: t.oid, column: col, label: `${t.qualifiedName}.${col}`, grantTarget: (p) => `${p.join(', ')} (${ident(col)}) ON ${name}`, all: COLUMN_PRIVILEGES };
    }
    const all = await engine.catalog.memo('tablePrivilegeNames', tablePrivilegeNames);
    return { kind: 'table', oid: t.oid, label: t.qualifiedName, grantTarget: (p) => `${p.join(', ')} ON ${name}`, all };
  }
  if (ref.kind === 'function') {
    const f = await engine.catalog.function(ref.name);
    return { kind: 'function', oid: f.oid, label: f.name, grantTarget: (p) => `${p.join(', ')} ON FUNCTION ${f.name}`, all: FUNCTION_PRIVILEGES };
  }
  if (ref.kind === 'schema') {
    const s = await engine.catalog.schema(ref.name);
    return { kind: 'schema', oid: s.oid, label: `schema ${s.name}`, grantTarget: (p) => `${p.join(', ')} ON SCHEMA ${ident(s.name)}`, all: SCHEMA_PRIVILEGES };
  }
  const s = await engine.catalog.sequence(ref.name);
  const [sch, seq] = [s.name.slice(0, s.name.indexOf('.')), s.name.slice(s.name.indexOf('.') + 1)];
  return { kind: 'sequence', oid: s.oid, label: `sequence ${s.name}`, grantTarget: (p) => `${p.join(', ')} ON SEQUENCE ${qualified(sch, seq)}`, all: SEQUENCE_PRIVILEGES };
}

function engineOf(ref: Grantable): Engine {
  return ref instanceof ColumnRef ? ref.table[ENGINE] : ref[ENGINE];
}

/**
 * Passes when the role holds the privileges on the object (effective: through membership and
 * PUBLIC), or exactly those with { exactly: true }. `toGrant([], role, { exactly: true })`: none.
 */
export async function toGrant(this: MatcherContext, received: unknown, privileges: unknown, role: unknown, options: GrantOptions = {}): Promise<MatcherResult> {
  const ref = asGrantable(received, 'toGrant');
  const privList = typeof privileges === 'string' ? [privileges] : privileges;
  if (!Array.isArray(privList) || !privList.every((p) => typeof p === 'string')) {
    throw new TypeError(`toGrant() takes a privilege or a list of privileges such as ['SELECT', 'INSERT'], got ${JSON.stringify(privileges)}`);
  }
  const roleName = roleArgument(role, 'toGrant');
  if (options === null || typeof options !== 'object') throw new TypeError('toGrant() options must be an object ({ exactly: true })');
  const engine = engineOf(ref);
  await engine.catalog.role(roleName);
  const wanted = [...new Set(privList.map((p) => p.toUpperCase()))];

  let target: Target;
  let held: Set<string>;
  let subject: string;
  if (options.onTablesCreatedBy !== undefined) {
    if (!(ref instanceof Object && 'kind' in ref && ref.kind === 'schema')) throw new TypeError('"onTablesCreatedBy" applies to db.schema(name) only');
    const creator = roleArgument(options.onTablesCreatedBy, 'toGrant');
    await engine.catalog.role(creator);
    const s = await engine.catalog.schema(ref.name);
    const all = await engine.catalog.memo('tablePrivilegeNames', tablePrivilegeNames);
    target = { kind: 'table', oid: s.oid, label: `tables ${creator} creates in schema ${s.name}`, grantTarget: (p) => `${p.join(', ')} ON TABLES`, all };
    held = await defaultTablePrivileges(engine.backend, roleName, creator, s.oid);
    subject = target.label;
    const unknown = wanted.filter((p) => !all.includes(p));
    if (unknown.length) throw new TypeError(`toGrant(): ${unknown.join(', ')} is not a table privilege (${all.join(', ')})`);
    const missing = wanted.filter((p) => !held.has(p));
    const extra = options.exactly ? [...held].filter((p) => !wanted.includes(p)) : [];
    const pass = missing.length === 0 && extra.length === 0;
    const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(creator)} IN SCHEMA ${ident(s.name)}`;
    return {
      pass,
      message: () =>
        failure(this, 'toGrant', 'schema', `${JSON.stringify(wanted)}, '${roleName}', { onTablesCreatedBy: '${creator}'${options.exactly ? ', exactly: true' : ''} }`, {
          expected: `${roleName} ${this.isNot ? 'not ' : ''}to get ${options.exactly ? 'exactly ' : ''}${wanted.length ? wanted.join(', ') : 'no privilege'} on ${subject}`,
          received: held.size ? `it gets ${[...held].sort().join(', ')}` : 'it gets no privilege',
          fix: this.isNot
            ? [`${prefix} REVOKE ${wanted.join(', ')} ON TABLES FROM ${ident(roleName)};`]
            : [...(missing.length ? [`${prefix} GRANT ${missing.join(', ')} ON TABLES TO ${ident(roleName)};`] : []), ...(extra.length ? [`${prefix} REVOKE ${extra.join(', ')} ON TABLES FROM ${ident(roleName)};`] : [])],
        }),
    };
  }

  target = await resolveTarget(engine, ref);
  const unknown = wanted.filter((p) => !target.all.includes(p));
  if (unknown.length) throw new TypeError(`toGrant(): ${list(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not ${target.kind} privilege${unknown.length === 1 ? '' : 's'} (${target.all.join(', ')})`);
  held = await engine.catalog.memo(`privs:${target.kind}:${target.oid}:${target.column ?? ''}:${roleName}`, (c) =>
    effectivePrivileges(c, roleName, target.kind, { oid: target.oid, ...(target.column ? { column: target.column } : {}) }, target.all),
  );
  const missing = wanted.filter((p) => !held.has(p));
  const extra = options.exactly ? target.all.filter((p) => held.has(p) && !wanted.includes(p)) : [];
  const pass = missing.length === 0 && extra.length === 0;
  const heldList = target.all.filter((p) => held.has(p));
  const r = ident(roleName);
  return {
    pass,
    message: () =>
      failure(this, 'toGrant', target.kind === 'column' ? 'column' : target.kind, `${JSON.stringify(wanted)}, '${roleName}'${options.exactly ? ', { exactly: true }' : ''}`, {
        expected: `${roleName} ${this.isNot ? 'not ' : ''}to have ${options.exactly ? 'exactly ' : ''}${wanted.length ? wanted.join(', ') : 'no privilege'} on ${target.label}`,
        received: heldList.length ? `it has ${heldList.join(', ')}` : 'it has no privilege',
        why: [
          ...(missing.length ? [`missing: ${missing.join(', ')}`] : []),
          ...(extra.length ? [`more than asked: ${extra.join(', ')}${extra.includes('TRUNCATE') ? ' (TRUNCATE empties the table regardless of row level security)' : ''}`] : []),
        ],
        fix: this.isNot
          ? [`REVOKE ${target.grantTarget(wanted)} FROM ${r};`]
          : [...(missing.length ? [`GRANT ${target.grantTarget(missing)} TO ${r};`] : []), ...(extra.length ? [`REVOKE ${target.grantTarget(extra)} FROM ${r};`] : [])],
      }),
  };
}
