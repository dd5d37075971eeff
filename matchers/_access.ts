/** Shared by the visibility and write matchers: who is tried, and how a leak is explained. */
import type { Access, RowTarget } from '../src/internal.js';
import { explain } from '../src/internal.js';
import type { PolicyInfo } from '../src/internal.js';
import { requesterLabel, type Requester } from '../src/internal.js';
import { ident, qualified } from '../src/internal.js';
import { describePolicy } from './to-have-policy-for.js';
import { asRequesters } from './_subjects.js';
import { ownerConditionFor } from './_owner.js';
import { keys, list, rows } from './_format.js';

export interface AmongOptions {
  /** exactly these requesters besides the intended ones (default: every user of the database and anonymous) */
  among?: Requester[];
}

/** Intended requesters first, then the others, without duplicates. */
export function requestersFor(target: RowTarget, intended: Requester[], options: AmongOptions, matcher: string): Requester[] {
  if (options.among !== undefined && !Array.isArray(options.among)) throw new TypeError(`${matcher}(): "among" must be a list of requesters`);
  const others = options.among !== undefined ? asRequesters(options.among, matcher) : target.engine.knownRequesters();
  const seen = new Set<Requester>();
  return [...intended, ...others].filter((r) => (seen.has(r) ? false : (seen.add(r), true)));
}

export function names(requesters: Requester[]): string {
  return requesters.length ? list(requesters.map(requesterLabel)) : 'nobody';
}

/** "bob (2 rows), anonymous (1 row)" */
export function counts(accesses: Access[]): string {
  return list(accesses.map((a) => `${a.label} (${rows(a.count)})`));
}

/** Why lines and fixes for requesters who reach rows they should not. */
export async function explainLeaks(target: RowTarget, leaks: Access[], command: 'select' | 'update' | 'delete'): Promise<{ why: string[]; fix: string[] }> {
  const t = target.table;
  const name = qualified(t.schema, t.name);
  if (!t.rlsEnabled) {
    return {
      why: [`Row level security is disabled on ${t.qualifiedName}: every role with the ${command.toUpperCase()} privilege reaches every row.`],
      fix: [`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY;`],
    };
  }
  const why: string[] = [];
  // policy name -> who it wrongly admits, so each policy gets one fix line
  const admits = new Map<string, { policy: PolicyInfo | undefined; who: string[] }>();
  for (const leak of leaks) {
    const e = await explain(target, leak.requester, command);
    const byPolicy = new Map<string, Record<string, unknown>[]>();
    e.rows.forEach((row, i) => {
      const via = e.admittedBy[i]?.length ? e.admittedBy[i]! : ['(no permissive policy matched: check restrictive policies and views)'];
      for (const p of via) byPolicy.set(p, [...(byPolicy.get(p) ?? []), row]);
    });
    if (byPolicy.size === 0) why.push(`${leak.label} ${command === 'select' ? 'sees' : 'reaches'} ${rows(leak.count)}`);
    for (const [policyName, rs] of byPolicy) {
      const policy = e.policies.find((p) => p.name === policyName);
      why.push(`${leak.label} ${command === 'select' ? 'sees' : command === 'update' ? 'can update' : 'can delete'} ${keys(rs)} through policy ${policy ? describePolicy(policy) : policyName}`);
      if (policy) {
        const entry = admits.get(policy.name) ?? { policy, who: [] };
        entry.who.push(leak.label);
        admits.set(policy.name, entry);
      }
    }
  }
  const fix: string[] = [];
  const cond = admits.size ? await ownerConditionFor(target.engine, t) : undefined;
  for (const { policy, who } of admits.values()) {
    if (!policy) continue;
    if (policy.roles.includes('public') && who.includes('anonymous')) {
      fix.push(`ALTER POLICY ${ident(policy.name)} ON ${name} TO ${ident(target.engine.preset.authenticatedRole)};  -- no TO clause means PUBLIC, anonymous included`);
    }
    const named = who.filter((w) => !(policy.roles.includes('public') && w === 'anonymous'));
    if (named.length) fix.push(`ALTER POLICY ${ident(policy.name)} ON ${name} USING (${cond ?? '<condition>'});  -- ${cond ? 'only the owner\'s rows, so' : 'narrow it'} that it does not admit ${list(named)}`);
  }
  return { why, fix };
}

/** Why lines and fixes for intended requesters who do not reach the rows. */
export async function explainMissing(target: RowTarget, missing: Access[], command: 'select' | 'update' | 'delete'): Promise<{ why: string[]; fix: string[] }> {
  const name = qualified(target.table.schema, target.table.name);
  const role = target.engine.preset.authenticatedRole;
  const cond = missing.some((m) => !m.refused) ? await ownerConditionFor(target.engine, target.table) : undefined;
  const why: string[] = [];
  const fix: string[] = [];
  for (const m of missing) {
    if (m.refused?.by === 'token') {
      why.push(`the Data API rejects the token of ${m.label}: ${m.refused.message}`);
    } else if (m.refused?.by === 'privileges') {
      why.push(`${m.label} is refused by privileges: ${m.refused.message}`);
      fix.push(`GRANT ${command.toUpperCase()} ON ${name} TO ${ident(role)};`);
    } else {
      why.push(`${m.label} ${command === 'select' ? 'sees' : 'reaches'} ${m.count} of ${rows(target.size)}: no ${command.toUpperCase()} policy admits ${m.count ? 'the rest' : 'them'}`);
      const note = cond ? `the owner's rows: check that it holds for ${m.label}'s rows` : `a condition true for ${m.label}'s rows`;
      fix.push(`CREATE POLICY ${ident(`${command} own rows`)} ON ${name} FOR ${command.toUpperCase()} TO ${ident(role)} USING (${cond ?? '<condition>'});  -- ${note}`);
    }
  }
  return { why, fix: [...new Set(fix)] };
}
