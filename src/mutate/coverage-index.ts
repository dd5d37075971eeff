/**
 * Which tests cover which mutant, from the clean run's records (collector.ts) and the setups'
 * catalogs. A test covers a mutant when it touched the mutant's object, directly or through
 * what it touched: a table's policies, defaults, view rule and triggers (pg_depend), a
 * function's body (parsed), the schema of anything it touched. Raw SQL is parsed for the
 * relations and functions it names; a statement that is not a plain query, or does not parse,
 * counts as touching everything. Privilege mutants also need the test to have acted as (or
 * asked about) a role that loses or gains the privilege.
 */
import { names, parseScript, plpgsqlNodes, walk, type Node } from '../sql/parse.js';
import type { CoverageRecord, Touches } from './collector.js';
import type { SetupRecord } from './worker.js';
import type { MutantSpec } from './types.js';

export interface CoveredTest {
  id: string;
  name: string;
  file: string;
}

interface TestKeys {
  test: CoveredTest;
  all: boolean;
  keys: Set<string>;
  roles: Set<string>;
}

const DML = new Set(['SelectStmt', 'InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'ExplainStmt', 'CallStmt']);

export class CoverageIndex {
  #tests: TestKeys[] = [];
  #edges = new Map<string, Set<string>>();
  #relations = new Map<string, string[]>(); // bare name -> 'table:s.n' / 'sequence:s.n'
  #functions = new Map<string, string[]>(); // bare name -> 'function:s.n'
  #memberOf = new Map<string, string[]>();

  constructor(records: CoverageRecord[], setups: SetupRecord[]) {
    for (const s of setups) this.#learn(s);
    for (const r of records) {
      for (const t of r.tests) {
        const test = { id: t.id, name: t.name, file: r.file };
        const all = Boolean(r.static.all?.length || t.touches.all?.length);
        const keys = new Set<string>();
        const roles = new Set<string>();
        let unknown = false;
        for (const touches of [r.static, t.touches]) unknown = this.#keysOf(touches, keys, roles) || unknown;
        this.#tests.push({ test, all: all || unknown, keys: this.#closure(keys), roles: this.#roleClosure(roles) });
      }
    }
  }

  get tests(): CoveredTest[] {
    return this.#tests.map((t) => t.test);
  }

  /** The tests that cover the mutant (in run order). */
  testsFor(m: Pick<MutantSpec, 'covers' | 'roles'>): CoveredTest[] {
    return this.#tests
      .filter((t) => t.all || (m.covers.some((k) => t.keys.has(k)) && (!m.roles || t.roles.size === 0 || m.roles.some((r) => t.roles.has(r)))))
      .map((t) => t.test);
  }

  #edge(from: string, to: string): void {
    let set = this.#edges.get(from);
    if (!set) this.#edges.set(from, (set = new Set()));
    set.add(to);
  }

  #learn(s: SetupRecord): void {
    const add = (map: Map<string, string[]>, bare: string, key: string) => {
      const list = map.get(bare) ?? [];
      if (!list.includes(key)) list.push(key);
      map.set(bare, list);
    };
    for (const r of s.facts.facts.relations) add(this.#relations, r.name, `table:${r.schema}.${r.name}`);
    for (const a of s.facts.acl) if (a.kind === 'sequence') add(this.#relations, a.name, `sequence:${a.schema}.${a.name}`);
    for (const e of s.facts.edges) this.#edge(e.from, e.to);
    for (const r of s.facts.facts.roles) this.#memberOf.set(r.name, r.memberOf);
    for (const f of s.facts.functions) {
      const key = `function:${f.schema}.${f.name}`;
      add(this.#functions, f.name, key);
      let nodes: Node[];
      try {
        nodes = f.language === 'plpgsql' ? plpgsqlNodes(f.definition) : parseScript(bodyOf(f.definition)).map((x) => x.stmt);
      } catch {
        continue; // a body the parser cannot read: its table accesses stay unknown, the function itself is still covered
      }
      for (const n of nodes) for (const to of this.#referenced(n).keys) this.#edge(key, to);
    }
  }

  /** Adds the keys of `touches`; true when something could not be resolved (then: every table). */
  #keysOf(touches: Touches, keys: Set<string>, roles: Set<string>): boolean {
    for (const t of touches.table ?? []) keys.add(`table:${t}`);
    for (const f of touches.function ?? []) keys.add(`function:${f}`);
    for (const s of touches.schema ?? []) keys.add(`schema:${s}`);
    for (const s of touches.sequence ?? []) keys.add(`sequence:${s}`);
    for (const r of touches.role ?? []) roles.add(r);
    let unknown = false;
    for (const sql of touches.sql ?? []) {
      let stmts;
      try {
        stmts = parseScript(sql);
      } catch {
        return true;
      }
      for (const { stmt } of stmts) {
        const kind = Object.keys(stmt)[0]!;
        if (!DML.has(kind)) return true; // DDL, SET, DO ...: anything may follow
        const found = this.#referenced(stmt);
        unknown ||= found.unknown;
        for (const k of found.keys) keys.add(k);
      }
    }
    return unknown;
  }

  /** Relations and functions a statement names, resolved against the setups' objects. */
  #referenced(node: Node): { keys: string[]; unknown: boolean } {
    const keys: string[] = [];
    let unknown = false;
    walk(node, (kind, body) => {
      if (kind === 'RangeVar') {
        const rel = String(body.relname ?? '');
        const schema = body.schemaname ? String(body.schemaname) : undefined;
        const known = (this.#relations.get(rel) ?? []).filter((k) => !schema || k.endsWith(`:${schema}.${rel}`));
        if (schema) keys.push(`table:${schema}.${rel}`, `sequence:${schema}.${rel}`);
        keys.push(...known);
      } else if (kind === 'FuncCall') {
        const parts = names(body.funcname);
        const fn = parts[parts.length - 1]!;
        if (parts.length > 1) keys.push(`function:${parts.join('.')}`);
        else keys.push(...(this.#functions.get(fn) ?? []));
        // nextval('some_seq') names a sequence in a string
        if (fn === 'nextval' || fn === 'setval' || fn === 'currval') unknown = true;
      }
    });
    return { keys, unknown };
  }

  /** Everything reachable from `keys` through the catalog's references, plus the schemas of it all. */
  #closure(keys: Set<string>): Set<string> {
    const out = new Set<string>();
    const stack = [...keys];
    while (stack.length) {
      const k = stack.pop()!;
      if (out.has(k)) continue;
      out.add(k);
      const name = k.slice(k.indexOf(':') + 1);
      if (!k.startsWith('schema:') && name.includes('.')) stack.push(`schema:${name.slice(0, name.indexOf('.'))}`);
      for (const to of this.#edges.get(k) ?? []) stack.push(to);
    }
    return out;
  }

  #roleClosure(roles: Set<string>): Set<string> {
    const out = new Set(roles);
    for (const r of roles) for (const m of this.#memberOf.get(r) ?? []) out.add(m);
    return out;
  }
}

/** The body of a `CREATE FUNCTION ... AS $tag$ body $tag$` (SQL functions), from the parse tree. */
function bodyOf(definition: string): string {
  const [first] = parseScript(definition);
  let body = '';
  walk(first?.stmt, (kind, b) => {
    if (kind === 'DefElem' && b.defname === 'as') {
      const list = (b.arg as { List?: { items?: Node[] } } | undefined)?.List?.items ?? [];
      body = names(list)[0] ?? '';
      return false;
    }
    return undefined;
  });
  return body;
}
