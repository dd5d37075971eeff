/**
 * The mutation operators: from one database's catalog (src/mutate/facts.ts) to the mutants,
 * each with the SQL that makes it, the SQL that undoes it, what a test must touch to cover it,
 * and an assertion that would kill it. Pure: no database, the parser only (loadParser() first).
 *
 * A mutant that cannot change anything (USING already true, a role that keeps a privilege
 * through PUBLIC) is not made; it is counted in `skipped`.
 */
import type { PolicyFacts, RelationFacts } from '../audit/facts.js';
import { ident, literal, qualified, roleListSql } from '../sql/index.js';
import { andOf, calledFunctions, conjuncts, deparse, parseExpression, referencedColumns, walk } from '../sql/parse.js';
import type { AclEntry, MutationFacts, RequiredColumn } from './facts.js';
import { OPERATORS, type Locator, type MutantSpec, type Operator } from './types.js';

export interface GenerateOptions {
  /** the preset's identity expression, e.g. 'auth.user_id()' (Supabase: 'auth.uid()') */
  identity: string;
}

export interface Generated {
  mutants: MutantSpec[];
  skipped: Partial<Record<Operator, number>>;
}

const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

/** Every mutant of a database's catalog. */
export function generateMutants(m: MutationFacts, options: GenerateOptions): Generated {
  const out: MutantSpec[] = [];
  const skipped: Partial<Record<Operator, number>> = {};
  const skip = (op: Operator) => {
    skipped[op] = (skipped[op] ?? 0) + 1;
  };
  const [authenticated = 'authenticated', anonymous = 'anonymous'] = m.apiRoles;
  for (const rel of m.facts.relations) {
    const table = `${rel.schema}.${rel.name}`;
    const q = qualified(rel.schema, rel.name);
    if (rel.kind === 'r' || rel.kind === 'p') {
      if (rel.rls) {
        out.push({
          mutatorName: 'rls_disabled',
          object: table,
          description: `row level security disabled on ${table}`,
          replacement: `ALTER TABLE ${q} DISABLE ROW LEVEL SECURITY`,
          undo: `ALTER TABLE ${q} ENABLE ROW LEVEL SECURITY`,
          covers: [`table:${table}`],
          locate: { kind: 'rls', table, force: false },
          suggestion: `await expect(db.table('${table}')).toHaveRlsEnabled();  // or a visibility check: toBeVisibleOnlyTo(owner)`,
        });
      }
      if (rel.forced) {
        out.push({
          mutatorName: 'force_removed',
          object: table,
          description: `FORCE ROW LEVEL SECURITY removed from ${table} (its owner ${rel.owner} would skip the policies)`,
          replacement: `ALTER TABLE ${q} NO FORCE ROW LEVEL SECURITY`,
          undo: `ALTER TABLE ${q} FORCE ROW LEVEL SECURITY`,
          covers: [`table:${table}`],
          locate: { kind: 'rls', table, force: true },
          suggestion: `await expect(db.table('${table}')).toHaveRlsEnabled({ forced: true });`,
        });
      }
      const required = m.required.filter((c) => c.table === table);
      for (const p of rel.policies) policyMutants(rel, p, options, required, out, skip);
    }
    if ((rel.kind === 'v' || rel.kind === 'm') && rel.securityInvoker) {
      out.push({
        mutatorName: 'security_invoker_removed',
        object: table,
        description: `view ${table} loses security_invoker: it reads ${rel.rlsDependencies.map((d) => d.name).join(', ') || 'its tables'} with the rights of its owner ${rel.owner}`,
        replacement: `ALTER VIEW ${q} RESET (security_invoker)`,
        undo: `ALTER VIEW ${q} SET (security_invoker = true)`,
        covers: [`table:${table}`],
        locate: { kind: 'view', name: table },
        suggestion: `await expect(db.rows('${table}', { /* another user's row */ })).not.toBeVisibleTo(user);  // or: await expect(db).toBeDataApiReady();`,
      });
    }
    if ((rel.kind === 'r' || rel.kind === 'p') && !rel.partitionOf) {
      for (const role of [authenticated, anonymous]) {
        const held = rel.privileges[role];
        if (!held || rel.ownedBy.includes(role)) continue;
        for (const priv of TABLE_PRIVILEGES) {
          if (held.includes(priv as never)) continue;
          out.push({
            mutatorName: 'privilege_granted',
            object: table,
            description: `${priv} on ${table} granted to ${role}`,
            replacement: `GRANT ${priv} ON TABLE ${q} TO ${ident(role)}`,
            undo: `REVOKE ${priv} ON TABLE ${q} FROM ${ident(role)}`,
            covers: [`table:${table}`],
            roles: [role],
            locate: { kind: 'relation', table },
            suggestion: `await expect(db.table('${table}')).toGrant([${held.filter((h) => TABLE_PRIVILEGES.includes(h)).map((h) => `'${h}'`).join(', ')}], '${role}', { exactly: true });`,
          });
        }
      }
    }
  }
  for (const f of m.facts.functions) {
    const sig = `${f.schema}.${f.name}(${f.args})`;
    const target = `${qualified(f.schema, f.name)}(${f.args})`;
    if (f.searchPath !== null) {
      out.push({
        mutatorName: 'definer_search_path_removed',
        object: sig,
        description: `SECURITY DEFINER function ${sig} loses its pinned search_path (${f.searchPath})`,
        replacement: `ALTER FUNCTION ${target} RESET search_path`,
        undo: `ALTER FUNCTION ${target} SET search_path = ${searchPathSql(f.searchPath)}`,
        covers: [`function:${f.schema}.${f.name}`],
        locate: { kind: 'function', name: `${f.schema}.${f.name}` },
        // an error when the function writes or holds credentials, a warning when it only reads
        suggestion: `expect((await db.audit()).findings.filter((f) => f.check === 'security_definer_search_path_mutable')).toEqual([]);`,
      });
    }
    if (!f.executableBy.includes(anonymous) && m.facts.roles.some((r) => r.name === anonymous && r.exists)) {
      out.push({
        mutatorName: 'privilege_granted',
        object: sig,
        description: `EXECUTE on SECURITY DEFINER function ${sig} granted to ${anonymous}`,
        replacement: `GRANT EXECUTE ON FUNCTION ${target} TO ${ident(anonymous)}`,
        undo: `REVOKE EXECUTE ON FUNCTION ${target} FROM ${ident(anonymous)}`,
        covers: [`function:${f.schema}.${f.name}`],
        roles: [anonymous],
        locate: { kind: 'function', name: `${f.schema}.${f.name}` },
        suggestion: `await expect(db.function('${sig}')).not.toGrant('EXECUTE', '${anonymous}');`,
      });
    }
  }
  for (const a of m.acl) revokeMutant(a, m, out, skip);
  out.sort((x, y) => OPERATORS.indexOf(x.mutatorName) - OPERATORS.indexOf(y.mutatorName));
  return { mutants: out, skipped };
}

function isTrue(expr: string | null): boolean {
  if (expr === null) return true;
  const node = parseExpression(expr) as { A_Const?: { boolval?: { boolval?: boolean } } };
  return node.A_Const?.boolval?.boolval === true;
}

function policyMutants(rel: RelationFacts, p: PolicyFacts, options: GenerateOptions, required: RequiredColumn[], out: MutantSpec[], skip: (op: Operator) => void): void {
  const table = `${rel.schema}.${rel.name}`;
  const q = qualified(rel.schema, rel.name);
  const object = `${table} ${JSON.stringify(p.name)}`;
  const named = `policy ${JSON.stringify(p.name)} (${p.permissive ? '' : 'restrictive, '}FOR ${p.cmd.toUpperCase()}) on ${table}`;
  const alter = `ALTER POLICY ${ident(p.name)} ON ${q}`;
  const drop = `DROP POLICY ${ident(p.name)} ON ${q}`;
  const create = (x: Partial<PolicyFacts>) => createPolicySql(q, { ...p, ...x });
  const recreate = (x: Partial<PolicyFacts>) => `${drop}; ${create(x)}`;
  const original = recreate({});
  const locate: Locator = { kind: 'policy', table, name: p.name };
  const base = { object, covers: [`table:${table}`], locate };
  const hint = suggestFor(rel, p, options, required);
  const push = (op: Operator, description: string, replacement: string, undo: string, suggestion: string) =>
    out.push({ mutatorName: op, ...base, description: `${named}: ${description}`, replacement, undo, suggestion });

  push('policy_dropped', 'dropped', drop, create({}), hint.admits);
  const hasUsing = p.cmd !== 'insert';
  if (hasUsing) {
    if (isTrue(p.using)) skip('using_true');
    else push('using_true', 'USING becomes true', `${alter} USING (true)`, `${alter} USING (${p.using})`, hint.restricts);
  }
  if (p.cmd === 'insert' || p.cmd === 'update' || p.cmd === 'all') {
    if (p.check !== null) {
      if (isTrue(p.check)) skip('check_true');
      else push('check_true', 'WITH CHECK becomes true', `${alter} WITH CHECK (true)`, `${alter} WITH CHECK (${p.check})`, hint.checks);
    } else if (p.cmd !== 'insert' && !isTrue(p.using)) {
      // without WITH CHECK, USING is the check of new rows: give it a check that admits all
      push('check_true', 'gets WITH CHECK (true) (its USING was the check of new rows)', `${alter} WITH CHECK (true)`, original, hint.checks);
    } else skip('check_true');
  }
  if (p.roles.includes('public')) skip('roles_widened');
  else push('roles_widened', `applies TO public instead of ${p.roles.join(', ')}`, `${alter} TO PUBLIC`, `${alter} TO ${roleListSql(p.roles)}`, hint.widened);
  if (p.permissive) skip('restrictive_to_permissive');
  else push('restrictive_to_permissive', 'becomes PERMISSIVE', recreate({ permissive: true }), original, hint.restricts);
  if (p.cmd === 'all') skip('command_widened');
  else push('command_widened', `applies FOR ALL instead of FOR ${p.cmd.toUpperCase()}`, recreate({ cmd: 'all' }), original, hint.widenedCommand);
  for (const [clause, expr] of [['USING', p.using], ['WITH CHECK', p.check]] as const) {
    if (expr === null) continue;
    const terms = conjuncts(parseExpression(expr));
    if (terms.length < 2) {
      skip('conjunct_dropped');
      continue;
    }
    const identityFn = calledFunctions(parseExpression(options.identity))[0];
    terms.forEach((term, i) => {
      const rest = deparse(andOf(terms.filter((_, k) => k !== i)));
      // the identity term dropped: other users get in; any other term: the owner's rows it excluded do
      const aboutIdentity = calledFunctions(term).includes(identityFn!);
      const suggestion = aboutIdentity || !p.permissive ? (clause === 'USING' ? hint.restricts : hint.checks) : hint.termDropped(clause, deparse(term));
      push('conjunct_dropped', `${clause} loses the term ${deparse(term)}`, `${alter} ${clause} (${rest})`, `${alter} ${clause} (${expr})`, suggestion);
    });
  }
  if (hasUsing && !isTrue(p.using)) {
    const admitted = deparse({ BoolExpr: { boolop: 'OR_EXPR', args: [parseExpression(p.using!), { NullTest: { arg: parseExpression(options.identity), nulltesttype: 'IS_NULL' } }] } });
    push('null_identity_admitted', `USING also admits a token without sub (${options.identity} IS NULL)`, `${alter} USING (${admitted})`, `${alter} USING (${p.using})`, hint.nullIdentity);
  } else skip('null_identity_admitted');
}

export function createPolicySql(table: string, p: PolicyFacts): string {
  return [
    `CREATE POLICY ${ident(p.name)} ON ${table} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${p.cmd.toUpperCase()} TO ${roleListSql(p.roles)}`,
    p.using !== null ? ` USING (${p.using})` : '',
    p.check !== null ? ` WITH CHECK (${p.check})` : '',
  ].join('');
}

/** `public, "My Schema"` / `""` as proconfig stores a search_path, back to SQL: identifiers quoted, the empty list as ''. */
export function searchPathSql(stored: string): string {
  const names: string[] = [];
  let i = 0;
  while (i < stored.length) {
    while (stored[i] === ' ' || stored[i] === ',') i++;
    if (i >= stored.length) break;
    if (stored[i] === '"') {
      let name = '';
      i++;
      while (i < stored.length) {
        if (stored[i] === '"' && stored[i + 1] === '"') {
          name += '"';
          i += 2;
        } else if (stored[i] === '"') {
          i++;
          break;
        } else name += stored[i++];
      }
      names.push(name);
    } else {
      let j = i;
      while (j < stored.length && stored[j] !== ',') j++;
      names.push(stored.slice(i, j).trim());
      i = j;
    }
  }
  const real = names.filter((n) => n !== '');
  return real.length ? real.map(ident).join(', ') : literal('');
}

/** The owner column of a policy: a column compared with the identity function (`auth.user_id() = user_id`). */
function ownerColumn(expr: string | null, identity: string): string | undefined {
  if (expr === null) return undefined;
  const fn = calledFunctions(parseExpression(identity))[0];
  let found: string | undefined;
  walk(parseExpression(expr), (kind, body) => {
    if (found || kind !== 'A_Expr') return;
    const sides = [body.lexpr, body.rexpr];
    if (sides.some((s) => calledFunctions(s).includes(fn!))) {
      const cols = sides.flatMap((s) => referencedColumns(s));
      if (cols.length === 1) found = cols[0];
    }
  });
  return found;
}

/**
 * A plausible value of a column's type, as TypeScript source, for a suggestion's example row (a
 * suggested insert that leaves out a NOT NULL column would fail with 23502, not with the policy).
 */
export function exampleValue(c: Pick<RequiredColumn, 'type' | 'labels'>): string {
  const t = c.type.toLowerCase();
  if (c.labels?.length) return JSON.stringify(c.labels[0]);
  if (t.endsWith('[]')) return '[]';
  const width = /^(?:character varying|varchar|character|char)\((\d+)\)$/.exec(t);
  if (width) return JSON.stringify('example'.slice(0, Math.max(1, Number(width[1]))));
  if (/^(text|character varying|varchar|character|char|citext|name)\b/.test(t)) return "'example'";
  if (/^(smallint|integer|bigint|numeric|decimal|real|double precision|money)\b/.test(t)) return '1';
  if (t === 'boolean') return 'true';
  if (t === 'uuid') return "'00000000-0000-4000-8000-000000000001'";
  if (t.startsWith('timestamp')) return "'2024-01-01T00:00:00Z'";
  if (t === 'date') return "'2024-01-01'";
  if (t.startsWith('time')) return "'12:00:00'";
  if (t.startsWith('interval')) return "'1 day'";
  if (t === 'json' || t === 'jsonb') return '{}';
  if (t === 'inet' || t === 'cidr') return "'127.0.0.1'";
  return `null /* a value of type ${c.type} */`;
}

/**
 * `{ owner: owner.sub, body: 'example' }`: the owner column, then the other columns an insert
 * must fill; `placeholder` (what the reader fills in) comes first, always when there is no owner column.
 */
function exampleRow(ownerCol: string | undefined, required: RequiredColumn[], placeholder: string, always = false): string {
  const entries = [...(ownerCol ? [`${ownerCol}: owner.sub`] : []), ...required.filter((c) => c.name !== ownerCol).map((c) => `${key(c.name)}: ${exampleValue(c)}`)];
  return `{ ${[...(ownerCol && !always ? [] : [`/* ${placeholder} */`]), entries.join(', ')].filter(Boolean).join(' ')} }`;
}

/** An object key as TypeScript source: bare when it is an identifier. */
function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/**
 * FOR ALL instead of one command: the owner gains the commands no other permissive policy of the
 * table gives; the suggestion checks that nobody can do one of them.
 */
function widenedCommand(rel: RelationFacts, p: PolicyFacts, rows: string, newRow: string): string {
  const covered = (cmd: string) => rel.policies.some((o) => o !== p && o.permissive && (o.cmd === cmd || o.cmd === 'all'));
  const gained = (['update', 'delete', 'select', 'insert'] as const).filter((c) => c !== p.cmd && !covered(c));
  const writes = gained.filter((c) => c === 'update' || c === 'delete');
  if (writes.length) return `await expect(${rows}).toBeWritableOnlyBy([], { among: [owner], commands: [${writes.map((c) => `'${c}'`).join(', ')}] });`;
  if (gained.includes('select')) return `await expect(${rows}).not.toBeVisibleTo(owner);`;
  if (gained.includes('insert')) return `await expect(db.as(owner).insert('${rel.schema}.${rel.name}', ${newRow})).toBeDeniedByRls();`;
  return `await expect(${rows}).toBeWritableOnlyBy(owner);  // every command already has a policy: check the one this policy's condition should not admit`;
}

function suggestFor(rel: RelationFacts, p: PolicyFacts, options: GenerateOptions, required: RequiredColumn[]) {
  const table = `${rel.schema}.${rel.name}`;
  const col = ownerColumn(p.using ?? p.check, options.identity);
  const mine = col ? `{ ${col}: owner.sub }` : '{ /* rows the policy is for */ }';
  const newRow = exampleRow(col, required, 'a row the policy is for');
  const forged = exampleRow(col, required, 'a row of another user');
  const rows = `db.rows('${table}', ${mine})`;
  const read = p.cmd === 'select' || p.cmd === 'all';
  const write = p.cmd === 'update' || p.cmd === 'delete' || p.cmd === 'all';
  const restricts = read
    ? `await expect(${rows}).toBeVisibleOnlyTo(owner);`
    : p.cmd === 'insert'
      ? `await expect(db.as(other).insert('${table}', ${forged})).toBeDeniedByRls();`
      : `await expect(${rows}).toBeWritableOnlyBy(owner, { commands: [${p.cmd === 'all' ? "'update', 'delete'" : `'${p.cmd}'`}] });`;
  // the owner hands a row to someone else: the new row's check (an UPDATE policy: only updates)
  const handoverOptions = [...(p.cmd === 'update' ? ["commands: ['update']"] : []), ...(col ? [`ownerColumn: '${col}'`] : [])];
  const handover = `await expect(${rows}).toBeWritableOnlyBy(owner${handoverOptions.length ? `, { ${handoverOptions.join(', ')} }` : ''});`;
  // A restrictive policy keeps rows out that the permissive ones let in: dropping it, or making
  // its USING or WITH CHECK true, lets the owner reach rows it kept out. A positive check of the
  // owner's rows cannot see that.
  const keptOut = `db.rows('${table}', { /* the owner's rows this policy keeps out */ })`;
  const keepsOut = read
    ? `await expect(${keptOut}).not.toBeVisibleTo(owner);`
    : p.cmd === 'insert'
      ? `await expect(db.as(owner).insert('${table}', ${exampleRow(undefined, required, 'a row this policy keeps out')})).toBeDeniedByRls();`
      : `await expect(${keptOut}).toBeWritableOnlyBy([], { among: [owner], commands: ['${p.cmd}'] });`;
  const keepsOutOnWrite =
    p.cmd === 'insert' || p.cmd === 'all'
      ? `await expect(db.as(owner).insert('${table}', ${exampleRow(undefined, required, 'a row this policy keeps out')})).toBeDeniedByRls();`
      : handover;
  if (!p.permissive) {
    return {
      termDropped: () => keepsOut,
      admits: keepsOut,
      restricts: keepsOut,
      checks: keepsOutOnWrite,
      widened: `await expect(db.table('${table}')).not.toHavePolicyFor('${p.cmd === 'all' ? 'select' : p.cmd}', '${p.roles.includes('anonymous') ? 'authenticated' : 'anonymous'}');`,
      widenedCommand: write ? `await expect(${rows}).toBeVisibleTo(owner);` : `await expect(${rows}).toBeWritableOnlyBy(owner);`,
      // without sub the restriction no longer holds: what it keeps out must stay out for that token
      nullIdentity: `await expect(${keptOut}).not.toBeVisibleTo(db.user('no-sub', { sub: null }));`,
    };
  }
  const rowsWhereNot = (term: string) => `db.rows('${table}', { /* the owner's rows where NOT (${term}) */ })`;
  return {
    termDropped: (clause: 'USING' | 'WITH CHECK', term: string) =>
      clause === 'WITH CHECK'
        ? p.cmd === 'update'
          ? `await expect(db.as(owner).update('${table}', { /* values where NOT (${term}) */ }, ${mine})).toBeDeniedByRls();`
          : `await expect(db.as(owner).insert('${table}', ${exampleRow(col, required, `values where NOT (${term})`, true)})).toBeDeniedByRls();`
        : read
          ? `await expect(${rowsWhereNot(term)}).not.toBeVisibleTo(owner);`
          : `await expect(${rowsWhereNot(term)}).toBeWritableOnlyBy([], { among: [owner], commands: [${p.cmd === 'all' ? "'update', 'delete'" : `'${p.cmd}'`}] });`,
    admits:
      p.cmd === 'insert'
        ? `await expect(db.as(owner).insert('${table}', ${newRow})).not.toBeDeniedByRls();`
        : read
          ? `await expect(${rows}).toBeVisibleTo(owner);`
          : `await expect(${rows}).toBeWritableOnlyBy(owner${p.cmd === 'update' || p.cmd === 'delete' ? `, { commands: ['${p.cmd}'] }` : ''});`,
    restricts,
    checks:
      p.cmd === 'insert'
        ? `await expect(db.as(other).insert('${table}', ${forged})).toBeDeniedByRls();`
        : handover,
    widened: `await expect(db.table('${table}')).not.toHavePolicyFor('${p.cmd === 'all' ? 'select' : p.cmd}', '${p.roles.includes('anonymous') ? 'authenticated' : 'anonymous'}');  // or a visibility check with db.anonymous among the requesters`,
    widenedCommand: widenedCommand(rel, p, rows, newRow),
    // a token without sub: for a read policy it must see nothing; for an UPDATE/DELETE policy it
    // must change nothing (a visibility check cannot see that mutant)
    nullIdentity:
      p.cmd === 'update' || p.cmd === 'delete'
        ? `await expect(${rows}).toBeWritableOnlyBy(owner, { among: [db.user('no-sub', { sub: null })], commands: ['${p.cmd}'] });`
        : `await expect(${rows}).not.toBeVisibleTo(db.user('no-sub', { sub: null }));`,
  };
}

/** The API roles that lose `entry`'s privilege when it is revoked (none: the mutant would change nothing). */
function losers(entry: AclEntry, m: MutationFacts): string[] {
  const out: string[] = [];
  for (const role of m.facts.roles) {
    if (!role.exists || role.superuser) continue;
    const via = new Set(['public', role.name, ...role.memberOf]);
    if (!via.has(entry.grantee) || via.has(entry.owner)) continue;
    const same = (e: AclEntry) => e.kind === entry.kind && e.schema === entry.schema && e.name === entry.name && e.privilege === entry.privilege;
    const keeps = m.acl.some(
      (e) =>
        (same(e) && e.detail === entry.detail && e.grantee !== entry.grantee && via.has(e.grantee)) ||
        // a column privilege is redundant beside the same privilege on the whole table
        (entry.kind === 'column' && e.kind === 'table' && e.schema === entry.schema && e.name === entry.name && e.privilege === entry.privilege && via.has(e.grantee)),
    );
    if (keeps) continue;
    if (entry.kind === 'schema' && !reachesSchema(role.name, entry.schema, m)) continue;
    out.push(role.name);
  }
  return out;
}

/** Whether `role` holds any privilege on a table or function of `schema` (else USAGE on it changes nothing). */
function reachesSchema(role: string, schema: string, m: MutationFacts): boolean {
  if (m.facts.relations.some((r) => r.schema === schema && (r.privileges[role]?.length ?? 0) > 0)) return true;
  const info = m.facts.roles.find((r) => r.name === role);
  const via = new Set(['public', role, ...(info?.memberOf ?? [])]);
  return m.acl.some((e) => e.kind === 'function' && e.schema === schema && via.has(e.grantee));
}

function revokeMutant(a: AclEntry, m: MutationFacts, out: MutantSpec[], skip: (op: Operator) => void): void {
  if (a.grantor !== a.owner || a.grantee === a.owner) return; // a grant by someone else is not the schema's intent
  const lose = losers(a, m);
  if (lose.length === 0) {
    skip('privilege_revoked');
    return;
  }
  const grantee = roleListSql([a.grantee]);
  const withOption = a.grantable ? ' WITH GRANT OPTION' : '';
  let target: string;
  let object: string;
  let covers: string;
  let objectType: 'table' | 'sequence' | 'schema' | 'function';
  let suggestion: string;
  const who = a.grantee === 'public' ? 'PUBLIC' : a.grantee;
  const role = lose[0]!;
  switch (a.kind) {
    case 'table':
    case 'column': {
      const q = qualified(a.schema, a.name);
      target = a.kind === 'column' ? `${a.privilege} (${ident(a.detail!)}) ON TABLE ${q}` : `${a.privilege} ON TABLE ${q}`;
      object = a.kind === 'column' ? `${a.schema}.${a.name}.${a.detail}` : `${a.schema}.${a.name}`;
      covers = `table:${a.schema}.${a.name}`;
      objectType = 'table';
      suggestion =
        a.kind === 'column'
          ? `await expect(db.column('${a.schema}.${a.name}', '${a.detail}')).toGrant('${a.privilege}', '${role}');`
          : `await expect(db.table('${a.schema}.${a.name}')).toGrant('${a.privilege}', '${role}');  // or toGrantCrudTo('${role}'), or a request as ${role}`;
      break;
    }
    case 'sequence':
      target = `${a.privilege} ON SEQUENCE ${qualified(a.schema, a.name)}`;
      object = `${a.schema}.${a.name}`;
      covers = `sequence:${a.schema}.${a.name}`;
      objectType = 'sequence';
      suggestion = `await expect(db.sequence('${a.schema}.${a.name}')).toGrant('${a.privilege}', '${role}');  // or toGrantCrudTo('${role}') on its table`;
      break;
    case 'schema':
      target = `USAGE ON SCHEMA ${ident(a.schema)}`;
      object = a.schema;
      covers = `schema:${a.schema}`;
      objectType = 'schema';
      suggestion = `await expect(db.schema('${a.schema}')).toGrant('USAGE', '${role}');`;
      break;
    case 'function':
      target = `EXECUTE ON FUNCTION ${qualified(a.schema, a.name)}(${a.detail ?? ''})`;
      object = `${a.schema}.${a.name}(${a.detail ?? ''})`;
      covers = `function:${a.schema}.${a.name}`;
      objectType = 'function';
      suggestion = `await expect(db.function('${object}')).toGrant('EXECUTE', '${role}');`;
      break;
  }
  out.push({
    mutatorName: 'privilege_revoked',
    object,
    description: `${a.privilege} on ${a.kind} ${object} revoked from ${who}${a.grantee === 'public' ? ` (${lose.join(', ')} lose it)` : ''}`,
    replacement: `REVOKE ${target} FROM ${grantee}`,
    undo: `GRANT ${target} TO ${grantee}${withOption}`,
    covers: [covers],
    roles: lose,
    locate: { kind: 'grant', objectType, object: a.kind === 'column' ? `${a.schema}.${a.name}` : object.replace(/\(.*$/, ''), privilege: a.privilege, grantee: a.grantee },
    suggestion,
  });
}

