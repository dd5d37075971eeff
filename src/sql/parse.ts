/**
 * The real PostgreSQL parser (libpg-query, compiled to WASM) and its deparser, for reading and
 * rewriting policy expressions, function bodies and migration files: the audit's analysis and
 * the mutation operators share this module, so no expression is ever taken apart by a regex.
 *
 * Loading costs ~10 ms and is needed only by the audit and `mutate`: call `await loadParser()`
 * once, then every function here is synchronous.
 */

/** A parse-tree node as libpg-query gives it: `{ A_Expr: {...} }`, `{ FuncCall: {...} }`, ... */
export type Node = Record<string, unknown>;

type Parser = {
  parseSync(sql: string): { stmts: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  parsePlPgSQLSync(sql: string): { plpgsql_funcs: Node[] };
  deparseSync(node: unknown, options?: { pretty?: boolean }): string;
};
let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/** Loads the parser (once per process). */
export function loadParser(): Promise<void> {
  loading ??= (async () => {
    const [lib, dep] = await Promise.all([import('libpg-query'), import('pgsql-deparser')]);
    await lib.loadModule();
    parser = {
      parseSync: lib.parseSync as unknown as Parser['parseSync'],
      parsePlPgSQLSync: lib.parsePlPgSQLSync as unknown as Parser['parsePlPgSQLSync'],
      deparseSync: dep.deparseSync as unknown as Parser['deparseSync'],
    };
  })();
  return loading;
}

function loaded(): Parser {
  if (!parser) throw new Error('pg-rls-test internal: loadParser() must be awaited before the parser is used');
  return parser;
}

/** A syntax error, with Postgres's message and the text that failed. */
export class SqlSyntaxError extends Error {
  readonly sql: string;
  constructor(sql: string, cause: unknown) {
    super(`cannot parse ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SqlSyntaxError';
    this.sql = sql;
  }
}

/** One statement of a script, with where it stands in the text (0-based character offsets). */
export interface ParsedStatement {
  stmt: Node;
  /** offset of the statement's first character (after leading white space and comments) */
  start: number;
  /** offset just past its last character (before the `;`) */
  end: number;
}

/** Parses a script of statements (a migration file, an SQL function body). */
export function parseScript(sql: string): ParsedStatement[] {
  let result: ReturnType<Parser['parseSync']>;
  try {
    result = loaded().parseSync(sql);
  } catch (e) {
    throw new SqlSyntaxError(sql, e);
  }
  // libpg-query counts bytes (UTF-8); callers index strings by UTF-16 units.
  const bytes = Buffer.from(sql, 'utf8');
  const toChar = (byte: number) => bytes.subarray(0, byte).toString('utf8').length;
  return (result.stmts ?? []).map((s) => {
    const from = s.stmt_location ?? 0;
    const to = s.stmt_len ? from + s.stmt_len : bytes.length;
    const raw = bytes.subarray(from, to).toString('utf8');
    const lead = raw.length - raw.replace(/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/, '').length;
    return { stmt: s.stmt, start: toChar(from) + lead, end: toChar(to) };
  });
}

/** Parses one expression, as pg_get_expr() prints a policy's USING or WITH CHECK. */
export function parseExpression(expr: string): Node {
  let first: ParsedStatement | undefined;
  try {
    [first] = parseScript(`SELECT ${expr}`);
  } catch (e) {
    throw new SqlSyntaxError(expr, (e as Error).cause ?? e);
  }
  const select = first?.stmt.SelectStmt as { targetList?: { ResTarget: { val: Node } }[] } | undefined;
  const val = select?.targetList?.length === 1 ? select.targetList[0]!.ResTarget.val : undefined;
  if (!val) throw new SqlSyntaxError(expr, new Error('not a single expression'));
  return val;
}

/** SQL text of a node (one line). */
export function deparse(node: Node): string {
  return loaded().deparseSync(node, { pretty: false });
}

/** The node's kind and body: `{ BoolExpr: b }` -> ['BoolExpr', b]. */
export function kindOf(node: Node): [string, Record<string, unknown>] {
  const [kind] = Object.keys(node);
  return [kind!, node[kind!] as Record<string, unknown>];
}

function boolArgs(node: Node, op: 'AND_EXPR' | 'OR_EXPR'): Node[] | undefined {
  const b = node.BoolExpr as { boolop?: string; args?: Node[] } | undefined;
  return b?.boolop === op ? b.args : undefined;
}

/** Top-level AND terms (`a AND (b AND c)` -> [a, b, c]); a node that is no AND is its own one term. */
export function conjuncts(node: Node): Node[] {
  const args = boolArgs(node, 'AND_EXPR');
  return args ? args.flatMap(conjuncts) : [node];
}

/** Top-level OR terms, likewise. */
export function disjuncts(node: Node): Node[] {
  const args = boolArgs(node, 'OR_EXPR');
  return args ? args.flatMap(disjuncts) : [node];
}

/** The AND of these terms (`true` for none). */
export function andOf(terms: Node[]): Node {
  if (terms.length === 0) return parseExpression('true');
  if (terms.length === 1) return terms[0]!;
  return { BoolExpr: { boolop: 'AND_EXPR', args: terms } };
}

/**
 * Visits every node below `node` (itself included), depth first. `visit` gets each node's kind
 * and body; returning false skips that node's children.
 */
export function walk(node: unknown, visit: (kind: string, body: Record<string, unknown>, node: Node) => boolean | void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const keys = Object.keys(node);
  // A node is an object with one capitalised key ({ FuncCall: {...} }); anything else is a body or a list holder.
  if (keys.length === 1 && /^[A-Z]/.test(keys[0]!)) {
    const body = (node as Node)[keys[0]!];
    if (visit(keys[0]!, (body ?? {}) as Record<string, unknown>, node as Node) === false) return;
    walk(body, visit);
    return;
  }
  for (const k of keys) walk((node as Record<string, unknown>)[k], visit);
}

/** The name parts of a String list (`[{ String: { sval: 'auth' } }, ...]` -> ['auth', ...]). */
export function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((n) => String((n as { String?: { sval?: string } }).String?.sval ?? '')) : [];
}

/** Every function called below `node`, as written (`auth.user_id`, `coalesce`), lower case. */
export function calledFunctions(node: unknown): string[] {
  const out: string[] = [];
  walk(node, (kind, body) => {
    if (kind === 'FuncCall') out.push(names(body.funcname).join('.').toLowerCase());
    if (kind === 'CoalesceExpr') out.push('coalesce');
  });
  return out;
}

/** Every column referenced below `node`, by its last name part (`posts.user_id` -> user_id). */
export function referencedColumns(node: unknown): string[] {
  const out: string[] = [];
  walk(node, (kind, body) => {
    if (kind === 'ColumnRef') {
      const parts = names(body.fields);
      const last = parts[parts.length - 1];
      if (last) out.push(last);
    }
  });
  return out;
}

/**
 * A PL/pgSQL function's parse tree (its whole CREATE FUNCTION text), memoised: the audit asks
 * for a function's statements and for its record fields, and each would parse it again.
 */
const plpgsqlTrees = new Map<string, ReturnType<Parser['parsePlPgSQLSync']> | SqlSyntaxError>();
function parsePlpgsql(functionDef: string): ReturnType<Parser['parsePlPgSQLSync']> {
  let tree = plpgsqlTrees.get(functionDef);
  if (tree === undefined) {
    try {
      tree = loaded().parsePlPgSQLSync(functionDef);
    } catch (e) {
      tree = new SqlSyntaxError(functionDef, e);
    }
    if (plpgsqlTrees.size > 1000) plpgsqlTrees.clear();
    plpgsqlTrees.set(functionDef, tree);
  }
  if (tree instanceof SqlSyntaxError) throw tree;
  return tree;
}

/**
 * The SQL inside a PL/pgSQL function, parsed, in order: statements (`SELECT ... INTO`, `INSERT`,
 * `PERFORM f()` as `SELECT f()`) and expressions (`IF auth.uid() IS NULL`, the right side of
 * `v := ...`). Takes the whole `CREATE FUNCTION` text, as pg_get_functiondef() prints it: how
 * the body parses depends on the declared return type.
 */
export function plpgsqlNodes(functionDef: string): Node[] {
  const result = parsePlpgsql(functionDef);
  const out: Node[] = [];
  const visit = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(visit);
    if (x === null || typeof x !== 'object') return;
    for (const [k, v] of Object.entries(x)) {
      const expr = v as { query?: unknown; parseMode?: number };
      if (k !== 'PLpgSQL_expr' || typeof expr.query !== 'string') {
        visit(v);
        continue;
      }
      // parseMode 0: a statement; 2: an expression; 3-5: an assignment `target := expr`.
      if (!expr.parseMode) out.push(...parseScript(expr.query).map((s) => s.stmt));
      else out.push(parseExpression(expr.parseMode >= 3 ? expr.query.replace(/^\s*[^:=]+?\s*:?=\s*/, '') : expr.query));
    }
  };
  visit(result.plpgsql_funcs);
  return out;
}

/**
 * The record fields a PL/pgSQL function names, as `new.user_id`, `old.role` (lower case):
 * assignment targets (`NEW.user_id := ...`) as well as reads. Takes the whole function text.
 */
export function plpgsqlRecordFields(functionDef: string): string[] {
  const result = parsePlpgsql(functionDef);
  const out: string[] = [];
  for (const fn of result.plpgsql_funcs) {
    const datums = ((fn.PLpgSQL_function as { datums?: Node[] } | undefined)?.datums ?? []) as Node[];
    for (const d of datums) {
      const field = d.PLpgSQL_recfield as { fieldname?: string; recparentno?: number } | undefined;
      const parent = field && (datums[field.recparentno ?? 0]?.PLpgSQL_rec as { refname?: string } | undefined);
      if (field?.fieldname && parent?.refname) out.push(`${parent.refname}.${field.fieldname}`.toLowerCase());
    }
  }
  return out;
}

/** A dollar-quoted literal of `text` with a tag that does not occur in it. */
export function dollarQuote(text: string): string {
  let tag = '$body$';
  for (let i = 0; text.includes(tag); i++) tag = `$body${i}$`;
  return `${tag}${text}${tag}`;
}
