import type { MatcherContext, MatcherResult } from './_context.js';
import { failure, list } from './_format.js';
import { asTable } from './_subjects.js';
import { ownerConditionFor } from './_owner.js';
import { COMMANDS, describePolicy, policiesWhy } from './to-have-policy-for.js';
import { renamedFrom } from './to-have-policies.js';
import { createPolicySql, ENGINE, ident, qualified, roleListSql, type Engine, type PolicyCommand, type PolicyInfo, type TableInfo } from '../src/internal.js';
import type { PolicyCommandName } from './types.js';

export interface PolicyExpectation {
  /** the command it is FOR: 'select', 'insert', 'update', 'delete' or 'all' (exactly; ALL is not SELECT) */
  command?: PolicyCommandName;
  /** exactly the roles it is TO ('public' for PUBLIC, i.e. no TO clause) */
  roles?: string | string[];
  /** true for PERMISSIVE (the default of CREATE POLICY), false for AS RESTRICTIVE */
  permissive?: boolean;
}

interface Wanted {
  command?: PolicyCommand;
  roles?: string[];
  permissive?: boolean;
}

const KEYS = ['command', 'roles', 'permissive'];

function expectation(value: unknown): Wanted {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError("toHavePolicy() takes the policy name and an options object such as { command: 'select', roles: ['authenticated'] }");
  }
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !KEYS.includes(k));
  if (unknown !== undefined) throw new TypeError(`toHavePolicy() options are command, roles and permissive; got "${unknown}"`);
  const out: Wanted = {};
  if (o.command !== undefined) {
    const cmd = typeof o.command === 'string' ? (o.command.toLowerCase() as PolicyCommand) : undefined;
    if (!cmd || !COMMANDS.includes(cmd)) throw new TypeError(`"command" option of toHavePolicy() must be 'select', 'insert', 'update', 'delete' or 'all', got ${JSON.stringify(o.command)}`);
    out.command = cmd;
  }
  if (o.roles !== undefined) {
    const roles = Array.isArray(o.roles) ? o.roles : [o.roles];
    if (roles.length === 0 || !roles.every((r) => typeof r === 'string' && r !== '')) {
      throw new TypeError(`"roles" option of toHavePolicy() must be a role name or a non-empty list of them ('public' for PUBLIC), got ${JSON.stringify(o.roles)}`);
    }
    // PUBLIC is a keyword, not a role: any spelling of it; role names themselves are case-sensitive
    out.roles = [...new Set((roles as string[]).map((r) => (r.toLowerCase() === 'public' ? 'public' : r)))];
  }
  if (o.permissive !== undefined) {
    if (typeof o.permissive !== 'boolean') throw new TypeError(`"permissive" option of toHavePolicy() must be true or false, got ${JSON.stringify(o.permissive)}`);
    out.permissive = o.permissive;
  }
  return out;
}

/** `AS RESTRICTIVE FOR ALL TO authenticated`: the parts the test asks about. */
function shape(w: Wanted): string {
  return [w.permissive === undefined ? '' : w.permissive ? 'AS PERMISSIVE' : 'AS RESTRICTIVE', w.command ? `FOR ${w.command.toUpperCase()}` : '', w.roles ? `TO ${w.roles.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

/** How the policy differs from what the test asks, one line per part (pgTAP's have/want). */
function differences(p: PolicyInfo, w: Wanted): string[] {
  const out: string[] = [];
  if (w.command && p.command !== w.command) out.push(`command: FOR ${p.command.toUpperCase()}, expected FOR ${w.command.toUpperCase()}`);
  if (w.roles) {
    const missing = w.roles.filter((r) => !p.roles.includes(r));
    const extra = p.roles.filter((r) => !w.roles!.includes(r));
    if (missing.length || extra.length) out.push(`roles: ${[missing.length ? `missing ${list(missing)}` : '', extra.length ? `extra ${list(extra)}` : ''].filter(Boolean).join('; ')}`);
  }
  if (w.permissive !== undefined && p.permissive !== w.permissive) out.push(`kind: ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'}, expected ${w.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'}`);
  return out;
}

/**
 * Passes when the table has a policy of that name and, for each option given, it is FOR that
 * command, TO exactly those roles, and permissive or restrictive as asked (pgTAP's policy_cmd_is
 * and policy_roles_are, in one). The message shows the policy as defined and the SQL that makes it so.
 */
export async function toHavePolicy(this: MatcherContext, received: unknown, name: unknown, options: unknown = {}): Promise<MatcherResult> {
  const ref = asTable(received, 'toHavePolicy');
  if (typeof name !== 'string' || name === '') throw new TypeError(`toHavePolicy() takes a policy name such as 'owner reads', got ${JSON.stringify(name)}`);
  const wanted = expectation(options);
  const engine = ref[ENGINE];
  const t = await ref.info();
  // a misspelt role must not make the check pass under .not
  for (const r of wanted.roles ?? []) if (r !== 'public') await engine.catalog.role(r);
  const policies = await engine.catalog.policies(t);
  const policy = policies.find((p) => p.name === name);
  const diff = policy ? differences(policy, wanted) : [];
  const pass = policy !== undefined && diff.length === 0;
  const table = qualified(t.schema, t.name);
  let fix: string[] = [];
  if (!this.isNot && !pass) fix = policy ? changeTo(table, policy, wanted) : await create(table, name, wanted, policies, engine, t);
  if (this.isNot && pass && !shape(wanted)) fix = [`DROP POLICY ${ident(name)} ON ${table};`];
  const args = [`'${name}'`, ...(shape(wanted) ? [optionsText(options as PolicyExpectation)] : [])].join(', ');
  return {
    pass,
    message: () =>
      failure(this, 'toHavePolicy', 'table', args, {
        expected: `${this.isNot ? 'no ' : ''}policy "${name}" on ${t.qualifiedName}${shape(wanted) ? ` ${shape(wanted)}` : ''}`,
        received: policy ? describePolicy(policy) : `no policy named "${name}"`,
        // the policy itself is shown as received: then only how it differs; else the table's policies
        why: policy ? [...diff, ...policiesWhy([], t)] : policiesWhy(policies, t),
        fix,
      }),
  };
}

/** `{ command: 'all', roles: ["authenticated"] }` as the test wrote it. */
function optionsText(o: PolicyExpectation): string {
  const parts = [
    o.command !== undefined ? `command: '${o.command}'` : '',
    o.roles !== undefined ? `roles: ${typeof o.roles === 'string' ? `'${o.roles}'` : JSON.stringify(o.roles)}` : '',
    o.permissive !== undefined ? `permissive: ${o.permissive}` : '',
  ];
  return `{ ${parts.filter(Boolean).join(', ')} }`;
}

/** Roles alone change with ALTER POLICY; a command or kind only by creating the policy again. */
function changeTo(table: string, p: PolicyInfo, w: Wanted): string[] {
  const command = w.command ?? p.command;
  const permissive = w.permissive ?? p.permissive;
  const roles = w.roles ?? p.roles;
  if (command === p.command && permissive === p.permissive) return [`ALTER POLICY ${ident(p.name)} ON ${table} TO ${roleListSql(roles)};`];
  return [`DROP POLICY ${ident(p.name)} ON ${table};`, createPolicySql(table, { ...p, command, permissive, roles })];
}

/** A policy of another name close to this one is likely it, renamed; else a new policy, with the owner condition where the table has an owner column. */
async function create(table: string, name: string, w: Wanted, policies: PolicyInfo[], engine: Engine, t: TableInfo): Promise<string[]> {
  const close = renamedFrom(name, policies.map((p) => p.name));
  if (close !== undefined) return [`ALTER POLICY ${ident(close)} ON ${table} RENAME TO ${ident(name)};  -- if "${close}" is the policy meant; else correct the name in the test`];
  const cond = (await ownerConditionFor(engine, t)) ?? '<condition>';
  const command = w.command ?? 'all';
  const sql = createPolicySql(table, { name, command, permissive: w.permissive ?? true, roles: w.roles ?? [engine.preset.authenticatedRole], using: cond, check: command === 'all' || command === 'update' ? cond : null });
  return [`${sql}${cond === '<condition>' ? '  -- no column looks like the row\'s owner: write the condition that fits your table' : '  -- rows owned by the requester; adjust to your table'}`];
}
