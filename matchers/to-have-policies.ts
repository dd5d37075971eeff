import type { MatcherContext, MatcherResult } from './_context.js';
import { failure } from './_format.js';
import { asTable } from './_subjects.js';
import { policiesWhy } from './to-have-policy-for.js';
import { editDistance, ENGINE, ident, qualified } from '../src/internal.js';

const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');

/** The expected names: a list of distinct non-empty strings (an empty list: no policy at all). */
function policyNames(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string' && n !== '')) {
    throw new TypeError(`toHavePolicies() takes the list of policy names the table must have, such as ['owner reads', 'owner writes'] ([] for none), got ${JSON.stringify(value)}`);
  }
  const twice = value.find((n, i) => value.indexOf(n) !== i);
  if (twice !== undefined) throw new TypeError(`toHavePolicies() got "${twice}" twice: policy names are unique per table`);
  return value as string[];
}

/**
 * Passes when the table's policies are exactly these, by name (pgTAP's policies_are): none
 * missing, none extra. The message lists both, with the policies as defined.
 */
export async function toHavePolicies(this: MatcherContext, received: unknown, names: unknown): Promise<MatcherResult> {
  const ref = asTable(received, 'toHavePolicies');
  const expected = policyNames(names);
  const t = await ref.info();
  const policies = await ref[ENGINE].catalog.policies(t);
  const actual = policies.map((p) => p.name);
  const missing = expected.filter((n) => !actual.includes(n));
  const extra = actual.filter((n) => !expected.includes(n));
  const table = qualified(t.schema, t.name);
  return {
    pass: missing.length === 0 && extra.length === 0,
    message: () =>
      failure(this, 'toHavePolicies', 'table', JSON.stringify(expected), {
        expected: `${this.isNot ? 'other policies than' : 'exactly the policies'} ${expected.length ? quoted(expected) : '(none)'} on ${t.qualifiedName}`,
        received: this.isNot
          ? 'exactly those'
          : [missing.length ? `missing ${quoted(missing)}` : '', extra.length ? `extra ${quoted(extra)}` : ''].filter(Boolean).join('; '),
        why: this.isNot ? undefined : policiesWhy(policies, t),
        fix: this.isNot ? undefined : fixes(table, missing, extra),
      }),
  };
}

/**
 * The policy that `name` probably is under another name: the closest of `candidates` within two
 * edits, case aside ("Owner reads" / "owner read"), or none.
 */
export function renamedFrom(name: string, candidates: string[]): string | undefined {
  const scored = candidates.map((c) => [editDistance(name.toLowerCase(), c.toLowerCase()), c] as const).filter(([d]) => d <= 2);
  return scored.sort((a, b) => a[0] - b[0])[0]?.[1];
}

/** A missing name close to an extra one is likely a rename; other extras are dropped, other missing ones created. */
function fixes(table: string, missing: string[], extra: string[]): string[] {
  const unpaired = [...extra];
  const out: string[] = [];
  const create: string[] = [];
  for (const name of missing) {
    const close = renamedFrom(name, unpaired);
    if (close === undefined) {
      create.push(`-- CREATE POLICY ${ident(name)} ON ${table} FOR <command> TO <roles> USING (<condition>);  -- no policy of that name: create it, or take it off the list`);
      continue;
    }
    unpaired.splice(unpaired.indexOf(close), 1);
    out.push(`ALTER POLICY ${ident(close)} ON ${table} RENAME TO ${ident(name)};  -- if "${close}" is the policy meant; else correct the name in the test`);
  }
  for (const name of unpaired) out.push(`DROP POLICY ${ident(name)} ON ${table};  -- or list it in the test, if it belongs there`);
  return [...out, ...create];
}
