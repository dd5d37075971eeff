/**
 * What policy expressions and function bodies mean, read with the real PostgreSQL parser
 * (src/sql/parse.ts; `loadParser()` is awaited by loadFacts, so everything here is synchronous):
 * where the requester's identity comes from, which values the client controls, which columns of
 * the row a condition compares with the requester, and what a function reads and writes. Helper
 * functions a policy or a function calls are followed (two levels for what a policy trusts, one
 * for what a function does), through their SQL or PL/pgSQL bodies.
 *
 * Expressions arrive as pg_get_expr() prints them with an empty search_path: every function
 * outside pg_catalog is schema-qualified (`auth.user_id()`), and column references inside a
 * sub-select are qualified (`posts.user_id`, `m.user_id`).
 */
import { conjuncts, deparse, disjuncts, kindOf, names, parseExpression, parseScript, plpgsqlNodes, plpgsqlRecordFields, walk, type Node } from '../sql/parse.js';
import type { Facts, FunctionFacts, PolicyFacts } from './facts.js';

/** What pg_session_jwt (Neon) and Supabase's auth schema give: the verified request's identity. */
const IDENTITY_FUNCTIONS = new Set(['auth.user_id', 'auth.uid', 'auth.jwt', 'auth.session', 'auth.role', 'auth.email', 'auth.organization_id', 'auth.organization']);
const JSON_OPERATORS = new Set(['->', '->>', '#>', '#>>']);
/** Columns that name a tenant (organisation, team, workspace ...). */
export const TENANT_COLUMNS: ReadonlySet<string> = new Set(['tenant_id', 'org_id', 'organization_id', 'organisation_id', 'team_id', 'workspace_id', 'account_id', 'company_id']);
const ROLE_VALUES = new Set(['SVFOP_CURRENT_USER', 'SVFOP_SESSION_USER', 'SVFOP_CURRENT_ROLE', 'SVFOP_USER']);

// ---- parsing, memoised ----------------------------------------------------------------

const parsed = new Map<string, Node | null>();

/** A policy expression as a tree (memoised; null for no expression or one the parser refuses). */
export function expr(text: string | null): Node | null {
  if (text === null) return null;
  let node = parsed.get(text);
  if (node === undefined) {
    try {
      node = parseExpression(text);
    } catch {
      node = null;
    }
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, node);
  }
  return node;
}

/**
 * The result of an analysis of a parse-tree node, computed once: trees come from expr()'s cache,
 * so the same policy text (often the same on many tables) is analysed once per table, and a
 * cached audit re-evaluates its checks without re-walking anything.
 */
const analyses = new WeakMap<object, Map<string, unknown>>();
function once<T>(node: object | null | undefined, key: string, compute: () => T): T {
  if (!node) return compute();
  let m = analyses.get(node);
  if (!m) analyses.set(node, (m = new Map()));
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

// ---- small readers of nodes -----------------------------------------------------------

/** `auth.user_id`, `current_setting` (pg_catalog. dropped), lower case. */
function funcName(call: Record<string, unknown>): string {
  const n = names(call.funcname).join('.').toLowerCase();
  return n.startsWith('pg_catalog.') ? n.slice('pg_catalog.'.length) : n;
}

/** The value of a string constant, cast or not (`'x'`, `'x'::text`). */
function constString(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const [kind, body] = kindOf(node as Node);
  if (kind === 'TypeCast') return constString(body.arg);
  if (kind === 'A_Const') return (body.sval as { sval?: string } | undefined)?.sval;
  return undefined;
}

function operator(body: Record<string, unknown>): string {
  return names(body.name).join('.');
}

/** The one target of a sub-select without FROM (`(SELECT auth.uid())`), else undefined. */
function scalarSubselect(body: Record<string, unknown>): Node | undefined {
  if (body.subLinkType !== 'EXPR_SUBLINK') return undefined;
  const select = (body.subselect as Node | undefined)?.SelectStmt as { fromClause?: unknown[]; targetList?: { ResTarget: { val: Node } }[] } | undefined;
  if (!select || select.fromClause?.length || select.targetList?.length !== 1) return undefined;
  return select.targetList[0]!.ResTarget.val;
}

/** Without casts and scalar sub-selects: `(SELECT auth.uid())::text` -> `auth.uid()`. */
function unwrap(node: Node): Node {
  const [kind, body] = kindOf(node);
  if (kind === 'TypeCast') return unwrap(body.arg as Node);
  if (kind === 'SubLink') {
    const inner = scalarSubselect(body);
    if (inner) return unwrap(inner);
  }
  return node;
}

/** A constant true/false condition: `true`, `'t'::boolean`, `1 = 1`, `true OR x`, `NOT false`. */
function constantTruth(node: Node | null): boolean | undefined {
  if (!node) return undefined;
  const [kind, body] = kindOf(node);
  if (kind === 'A_Const') return (body.boolval as { boolval?: boolean } | undefined) ? Boolean((body.boolval as { boolval?: boolean }).boolval) : undefined;
  if (kind === 'TypeCast') {
    const type = names((body.typeName as { names?: unknown }).names).pop();
    const s = constString(body.arg)?.toLowerCase();
    if ((type === 'bool' || type === 'boolean') && s !== undefined) {
      if (['t', 'true', 'on', 'yes', 'y', '1'].includes(s)) return true;
      if (['f', 'false', 'off', 'no', 'n', '0'].includes(s)) return false;
    }
    return undefined;
  }
  if (kind === 'A_Expr' && body.kind === 'AEXPR_OP' && ['=', '<>', '!='].includes(operator(body))) {
    const [l, r] = [body.lexpr as Node, body.rexpr as Node];
    if (!l || !r || kindOf(l)[0] !== 'A_Const' || kindOf(r)[0] !== 'A_Const') return undefined;
    const same = JSON.stringify({ ...kindOf(l)[1], location: 0 }) === JSON.stringify({ ...kindOf(r)[1], location: 0 });
    return operator(body) === '=' ? same : !same;
  }
  if (kind === 'BoolExpr') {
    const args = (body.args as Node[]).map(constantTruth);
    if (body.boolop === 'NOT_EXPR') return args[0] === undefined ? undefined : !args[0];
    if (body.boolop === 'OR_EXPR') return args.includes(true) ? true : args.every((a) => a === false) ? false : undefined;
    return args.includes(false) ? false : args.every((a) => a === true) ? true : undefined;
  }
  return undefined;
}

/** `true`, `(true)`, `1 = 1`: a condition that admits every row. */
export function isAlwaysTrue(text: string | null): boolean {
  const node = expr(text);
  return once(node, 'truth', () => constantTruth(node)) === true;
}

export function isAlwaysFalse(text: string | null): boolean {
  const node = expr(text);
  return once(node, 'truth', () => constantTruth(node)) === false;
}

// ---- the functions of the database, their bodies -------------------------------------

/** The facts' functions, by name, with their parsed bodies (built once per facts object). */
let routinesIds = 0;

export class Routines {
  /** tells apart the analyses made with different databases' functions */
  readonly id = ++routinesIds;
  private readonly byName = new Map<string, FunctionFacts[]>();
  private readonly bodies = new Map<FunctionFacts, Node[] | null>();
  private readonly fields = new Map<FunctionFacts, Set<string>>();
  /** tables with row level security, `schema.name` */
  readonly rlsTables: ReadonlySet<string>;

  constructor(facts: Facts) {
    for (const f of facts.functions) {
      const key = `${f.schema}.${f.name}`;
      this.byName.set(key, [...(this.byName.get(key) ?? []), f]);
    }
    this.rlsTables = new Set(facts.rlsTables);
  }

  /**
   * The function a call names: qualified as written, or found through `from`'s search_path
   * (its pinned one, else public and its own schema). Undefined for built-in functions.
   */
  resolve(name: string, from?: FunctionFacts): FunctionFacts | undefined {
    if (name.includes('.')) return this.byName.get(name)?.[0];
    for (const schema of searchPathOf(from)) {
      const f = this.byName.get(`${schema}.${name}`)?.[0];
      if (f) return f;
    }
    return undefined;
  }

  /** Whether a (trigger) function reads or sets `NEW.column` / `OLD.column`. */
  referencesRowField(f: FunctionFacts, column: string): boolean {
    let fields = this.fields.get(f);
    if (!fields) {
      fields = new Set<string>();
      try {
        if (f.language === 'plpgsql' && f.definition) plpgsqlRecordFields(f.definition).forEach((x) => fields!.add(x));
      } catch {
        // unreadable: only the parsed body below counts
      }
      walk(this.body(f), (kind, body) => {
        if (kind === 'ColumnRef') fields!.add(names(body.fields).join('.').toLowerCase());
      });
      this.fields.set(f, fields);
    }
    return fields.has(`new.${column}`) || fields.has(`old.${column}`);
  }

  /** The SQL inside a function, parsed (statements and PL/pgSQL expressions); null when it cannot be read. */
  body(f: FunctionFacts): Node[] | null {
    if (this.bodies.has(f)) return this.bodies.get(f)!;
    let nodes: Node[] | null = null;
    try {
      if (f.language === 'plpgsql' && f.definition) nodes = plpgsqlNodes(f.definition);
      else if (f.language === 'sql') nodes = f.body.trim() ? parseScript(f.body).map((s) => s.stmt) : f.definition ? parseScript(f.definition).map((s) => s.stmt) : null;
    } catch {
      nodes = null;
    }
    this.bodies.set(f, nodes);
    return nodes;
  }
}

const routinesOf = new WeakMap<Facts, Routines>();

export function routines(facts: Facts): Routines {
  let r = routinesOf.get(facts);
  if (!r) routinesOf.set(facts, (r = new Routines(facts)));
  return r;
}

/** Schemas an unqualified name in the function's body resolves through. */
function searchPathOf(f: FunctionFacts | undefined): string[] {
  if (!f) return ['public'];
  if (f.searchPath === null) return ['public', f.schema];
  // The setting as Postgres stores it: `""`, `public, extensions`, `"$user", public`.
  return f.searchPath
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter((s) => s !== '' && s !== '$user' && s !== 'pg_catalog' && s !== 'pg_temp');
}

export function functionLabel(f: FunctionFacts): string {
  return `${f.schema}.${f.name}(${f.args})`;
}

// ---- where a condition's values come from --------------------------------------------

export type SourceKind = 'identity' | 'caller role' | 'request headers' | 'user_metadata' | 'setting';

export interface Source {
  kind: SourceKind;
  /** what was read: `auth.user_id()`, `current_setting('app.tenant_id')`, `user_metadata` */
  what: string;
  /** the helper functions it was read through, outermost first */
  via: string[];
  /** the node that reads it */
  node: Node;
}

/** What a current_setting() name is: the verified JWT, the client's headers, or a setting anyone can set. */
function settingKind(name: string): SourceKind | undefined {
  if (name === 'request.jwt.claims' || name.startsWith('request.jwt.claim.')) return 'identity';
  if (name === 'request.headers' || name === 'request.cookies' || name.startsWith('request.header.') || name.startsWith('request.cookie.')) return 'request headers';
  // Other request.* values (method, path) and PostgREST's own settings are not identity, nor trusted as such.
  if (name.startsWith('request.') || name.startsWith('pgrst.')) return undefined;
  return name.includes('.') ? 'setting' : undefined;
}

/**
 * Everything the expression (or function body) reads that says who asks or that the client
 * controls, following calls of the database's own functions `depth` levels deep.
 */
export function sources(node: unknown, r: Routines, depth = 2, from?: FunctionFacts, via: string[] = [], seen?: Set<FunctionFacts>): Source[] {
  if (!seen) return once(node as object, `sources:${r.id}:${depth}:${from ? functionLabel(from) : ''}`, () => sources(node, r, depth, from, via, new Set()));
  const out: Source[] = [];
  walk(node, (kind, body, self) => {
    if (kind === 'FuncCall') {
      const name = funcName(body);
      if (IDENTITY_FUNCTIONS.has(name)) {
        out.push({ kind: 'identity', what: `${name}()`, via, node: self });
        return;
      }
      if (name === 'current_setting') {
        const setting = constString((body.args as Node[] | undefined)?.[0]);
        const sk = setting === undefined ? undefined : settingKind(setting.toLowerCase());
        if (sk) out.push({ kind: sk, what: `current_setting('${setting}')`, via, node: self });
        return;
      }
      const f = depth > 0 ? r.resolve(name, from) : undefined;
      if (f && !seen.has(f)) {
        seen.add(f);
        out.push(...sources(r.body(f), r, depth - 1, f, [...via, functionLabel(f)], seen));
      }
      return;
    }
    if (kind === 'SQLValueFunction' && ROLE_VALUES.has(String(body.op))) out.push({ kind: 'caller role', what: String(body.op).slice('SVFOP_'.length).toLowerCase(), via, node: self });
    else if (kind === 'A_Const') {
      // a JSON key or path: auth.jwt() -> 'user_metadata', claims #>> '{user_metadata,role}'
      const s = (body.sval as { sval?: string } | undefined)?.sval;
      if (s !== undefined && (s === 'user_metadata' || s.replace(/^\{\s*"?/, '').startsWith('user_metadata'))) out.push({ kind: 'user_metadata', what: 'user_metadata', via, node: self });
    } else if (kind === 'ColumnRef' && names(body.fields).pop() === 'raw_user_meta_data') out.push({ kind: 'user_metadata', what: 'auth.users.raw_user_meta_data', via, node: self });
  });
  return out;
}

/** Whether the expression depends on who asks: an auth.*() call, the JWT claims, current_user (helpers followed). */
export function referencesRequester(text: string | null, r: Routines): boolean {
  return sources(expr(text), r).some((s) => s.kind === 'identity' || s.kind === 'caller role');
}

/** Whether a function body looks at who calls it (helpers it calls followed two levels: f -> require_member -> is_member). */
export function functionChecksCaller(f: FunctionFacts, r: Routines): boolean | undefined {
  const body = r.body(f);
  if (!body) return undefined;
  return sources(body, r, 2, f).some((s) => s.kind === 'identity' || s.kind === 'caller role');
}

/** Columns that hold a secret a caller proves they know: an invitation token, a code. */
const SECRET_COLUMNS = new Set(['token', 'invitation_token', 'invite_token', 'token_hash', 'code', 'invite_code', 'invitation_code', 'access_code', 'secret', 'hash']);

/** The names of a function's parameters, from its CREATE FUNCTION text. */
function parameterNames(f: FunctionFacts): Set<string> {
  const out = new Set<string>();
  try {
    const create = f.definition ? (parseScript(f.definition)[0]?.stmt.CreateFunctionStmt as { parameters?: Node[] } | undefined) : undefined;
    for (const p of create?.parameters ?? []) {
      const fp = p.FunctionParameter as { name?: string; mode?: string } | undefined;
      if (fp?.name && fp.mode !== 'FUNC_PARAM_OUT' && fp.mode !== 'FUNC_PARAM_TABLE') out.add(fp.name.toLowerCase());
    }
  } catch {
    // unreadable: no names
  }
  return out;
}

/**
 * Whether the function looks rows up by a secret its caller passes (`WHERE token = p_token`): the
 * unguessable value is the check (an invitation lookup), not the caller's identity.
 */
export function functionTakesSecret(f: FunctionFacts, r: Routines): boolean {
  const params = parameterNames(f);
  let found = false;
  walk(r.body(f), (kind, body) => {
    if (found || kind !== 'A_Expr' || body.kind !== 'AEXPR_OP' || operator(body) !== '=') return;
    const sides = [body.lexpr, body.rexpr].map((x) => (x ? kindOf(unwrap(x as Node)) : undefined));
    const secret = sides.some((x) => x?.[0] === 'ColumnRef' && SECRET_COLUMNS.has(names(x[1].fields).pop()?.toLowerCase() ?? ''));
    const param = sides.some((x) => x?.[0] === 'ParamRef' || (x?.[0] === 'ColumnRef' && names(x[1].fields).length === 1 && params.has(names(x[1].fields)[0]!.toLowerCase())));
    if (secret && param) found = true;
  });
  return found;
}

/** The tables a function body reads, writes (TRUNCATE included) and truncates (`schema.name`), helpers followed one level. */
export function functionTables(
  f: FunctionFacts,
  r: Routines,
  depth = 1,
  seen = new Set<FunctionFacts>(),
): { reads: Set<string>; writes: Set<string>; truncates: Set<string> } | undefined {
  const body = r.body(f);
  if (!body) return undefined;
  seen.add(f);
  const reads = new Set<string>();
  const writes = new Set<string>();
  const truncates = new Set<string>();
  const ctes = new Set<string>();
  const name = (rv: Record<string, unknown>): string | undefined => {
    const rel = String(rv.relname);
    if (rv.schemaname) return `${rv.schemaname}.${rel}`;
    if (ctes.has(rel)) return undefined;
    const hit = searchPathOf(f).map((s) => `${s}.${rel}`).find((q) => r.rlsTables.has(q));
    return hit ?? `${searchPathOf(f)[0] ?? 'pg_temp'}.${rel}`;
  };
  walk(body, (kind, b) => {
    if (kind === 'CommonTableExpr') ctes.add(String(b.ctename));
  });
  walk(body, (kind, b) => {
    if (kind === 'InsertStmt' || kind === 'UpdateStmt' || kind === 'DeleteStmt' || kind === 'MergeStmt') {
      // the target is a bare RangeVar body, not a { RangeVar } node
      const n = name(b.relation as Record<string, unknown>);
      if (n) writes.add(n);
    } else if (kind === 'TruncateStmt') {
      for (const rv of (b.relations as Node[] | undefined) ?? []) {
        const n = name(rv.RangeVar as Record<string, unknown>);
        if (!n) continue;
        truncates.add(n);
        writes.add(n);
      }
    } else if (kind === 'RangeVar') {
      const n = name(b);
      if (n) reads.add(n);
    } else if (kind === 'FuncCall' && depth > 0) {
      const callee = r.resolve(funcName(b), f);
      if (callee && !seen.has(callee)) {
        const t = functionTables(callee, r, depth - 1, seen);
        t?.reads.forEach((x) => reads.add(x));
        t?.writes.forEach((x) => writes.add(x));
        t?.truncates.forEach((x) => truncates.add(x));
      }
    }
  });
  return { reads, writes, truncates };
}

/** Functions that send an HTTP request (the http extension, pg_net, Supabase's webhooks), by their last name part. */
const HTTP_FUNCTIONS = new Set(['http', 'http_get', 'http_post', 'http_put', 'http_patch', 'http_delete', 'http_head', 'http_request']);

/** The role claim of a JWT written into the text (`eyJ...`), if the text is one. */
function jwtRole(text: string): string | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 3 || !parts[0]!.startsWith('eyJ')) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { role?: unknown };
    return typeof payload.role === 'string' ? payload.role : 'none';
  } catch {
    return undefined;
  }
}

/**
 * What a function can do beyond the database's rows, with its owner's rights: credentials it
 * holds (a `service_role` JWT written into its body, the Vault's secrets) and HTTP requests it
 * sends; helpers it calls followed one level. Empty for a function that only reads and writes rows.
 */
export function functionPowers(f: FunctionFacts, r: Routines, depth = 1, seen = new Set<FunctionFacts>()): string[] {
  const body = r.body(f);
  if (!body) return [];
  seen.add(f);
  const out = new Set<string>();
  walk(body, (kind, b) => {
    if (kind === 'A_Const') {
      const role = jwtRole((b.sval as { sval?: string } | undefined)?.sval ?? '');
      if (role) out.add(role === 'service_role' ? 'holds a service_role key' : 'holds a JWT');
    } else if (kind === 'RangeVar' && b.schemaname === 'vault' && b.relname === 'decrypted_secrets') out.add('reads the Vault\'s secrets');
    else if (kind === 'FuncCall') {
      const name = funcName(b);
      if (HTTP_FUNCTIONS.has(name.slice(name.lastIndexOf('.') + 1))) out.add('sends HTTP requests');
      const callee = depth > 0 ? r.resolve(name, f) : undefined;
      if (callee && !seen.has(callee)) functionPowers(callee, r, depth - 1, seen).forEach((p) => out.add(p));
    }
  });
  return [...out].sort();
}

/**
 * The schemas a function's unqualified names resolve to now (relations and the database's own
 * functions its body names without a schema), in search_path order: what its search_path must
 * keep when it is pinned. Empty when every name is qualified (then `search_path = ''` is safe).
 */
export function unqualifiedSchemas(f: FunctionFacts, r: Routines, relations: ReadonlySet<string>): string[] {
  const path = searchPathOf(f);
  const found = new Set<string>();
  const ctes = new Set<string>();
  walk(r.body(f), (kind, b) => {
    if (kind === 'CommonTableExpr') ctes.add(String(b.ctename));
  });
  const relation = (rv: Record<string, unknown> | undefined) => {
    if (rv && !rv.schemaname && !ctes.has(String(rv.relname))) found.add(path.find((s) => relations.has(`${s}.${String(rv.relname)}`)) ?? path[0] ?? 'public');
  };
  walk(r.body(f), (kind, b) => {
    // a write's target is a bare RangeVar body, not a { RangeVar } node
    if (kind === 'RangeVar') relation(b);
    else if (kind === 'InsertStmt' || kind === 'UpdateStmt' || kind === 'DeleteStmt' || kind === 'MergeStmt') relation(b.relation as Record<string, unknown>);
    else if (kind === 'FuncCall') {
      const name = funcName(b);
      const callee = name.includes('.') ? undefined : r.resolve(name, f);
      if (callee) found.add(callee.schema);
    }
  });
  return [...new Set([...path.filter((s) => found.has(s)), ...found])];
}

// ---- the requester in a condition ----------------------------------------------------

/** Whether the node's value is the requester's identity: auth.uid(), (SELECT auth.uid()), claims ->> 'sub', a helper returning one. */
function isIdentityValue(node: Node, r: Routines, depth = 1): boolean {
  const n = unwrap(node);
  const [kind, body] = kindOf(n);
  if (kind === 'FuncCall') {
    const name = funcName(body);
    if (IDENTITY_FUNCTIONS.has(name)) return true;
    if (name === 'current_setting') return settingKind(constString((body.args as Node[] | undefined)?.[0])?.toLowerCase() ?? '') === 'identity';
    if (name === 'nullif') return isIdentityValue((body.args as Node[])[0]!, r, depth);
    const f = depth > 0 ? r.resolve(name) : undefined;
    if (!f || f.language !== 'sql') return false;
    // an SQL helper whose one statement selects an identity value: `SELECT auth.uid()`
    const stmts = r.body(f);
    const target = stmts?.length === 1 ? scalarTarget(stmts[0]!) : undefined;
    return target !== undefined && isIdentityValue(target, r, depth - 1);
  }
  if (kind === 'A_Expr' && body.kind === 'AEXPR_OP' && JSON_OPERATORS.has(operator(body))) {
    const key = constString(body.rexpr);
    return key !== 'user_metadata' && !!body.lexpr && isIdentityValue(body.lexpr as Node, r, depth);
  }
  return false;
}

/**
 * Whether the node's value is the requester's own subject, NULL without a signed-in user: their
 * id (auth.uid(), auth.user_id(), the `sub` claim) or their email. Not auth.role() nor the role
 * claim, which the anonymous role has too.
 */
function isSubjectValue(node: Node): boolean {
  const [kind, body] = kindOf(unwrap(node));
  if (kind === 'FuncCall') {
    const name = funcName(body);
    if (name === 'nullif') return isSubjectValue((body.args as Node[])[0]!);
    return name === 'auth.uid' || name === 'auth.user_id' || name === 'auth.email';
  }
  if (kind !== 'A_Expr' || body.kind !== 'AEXPR_OP' || !['->>', '->'].includes(operator(body)) || !body.lexpr) return false;
  const claim = constString(body.rexpr);
  const [lk, lb] = kindOf(unwrap(body.lexpr as Node));
  if (lk !== 'FuncCall' || (claim !== 'sub' && claim !== 'email')) return false;
  const source = funcName(lb);
  // auth.jwt() ->> 'sub', or the claims setting: current_setting('request.jwt.claims')::jsonb ->> 'sub'
  return source === 'auth.jwt' || source === 'auth.session' || (source === 'current_setting' && settingKind(constString((lb.args as Node[] | undefined)?.[0])?.toLowerCase() ?? '') === 'identity');
}

function scalarTarget(stmt: Node): Node | undefined {
  const select = stmt.SelectStmt as { fromClause?: unknown[]; targetList?: { ResTarget: { val: Node } }[] } | undefined;
  return select && !select.fromClause?.length && select.targetList?.length === 1 ? select.targetList[0]!.ResTarget.val : undefined;
}

/** The column of the policy's own row a node references (`user_id`, `posts.user_id`, cast or not), else undefined. */
function rowColumn(node: Node, table: string, qualifiedOnly: boolean): string | undefined {
  const n = unwrap(node);
  const [kind, body] = kindOf(n);
  if (kind !== 'ColumnRef') return undefined;
  const parts = names(body.fields);
  if (parts.length === 1 && !qualifiedOnly) return parts[0];
  if (parts.length >= 2 && parts[parts.length - 2] === table) return parts[parts.length - 1];
  return undefined;
}

/** A comparison of a row column with the requester's identity. */
export interface IdentityComparison {
  column: string;
  /** NULL matches NULL: `IS NOT DISTINCT FROM`, or COALESCE on both sides */
  nullMatching: boolean;
  /** the identity side (`auth.uid()`, `(SELECT auth.uid())`, out of its COALESCE) */
  identity: Node;
  /** the comparison's node (deparse() it for its SQL, replace it to rewrite it) */
  node: Node;
}

function coalesceArgs(node: Node): Node[] | undefined {
  const [kind, body] = kindOf(unwrap(node));
  return kind === 'CoalesceExpr' ? (body.args as Node[]) : undefined;
}

/**
 * Row columns compared with the requester's identity (`user_id = (SELECT auth.uid())`, the
 * seed's `( SELECT (auth.user_id() = posts.user_id))`, `= ANY`, `IS NOT DISTINCT FROM`,
 * `coalesce(auth.uid(), '') = coalesce(user_id, '')`), in any part of the condition except
 * sub-selects that read other tables.
 */
export function identityComparisons(node: Node | null, table: string, r: Routines): IdentityComparison[] {
  return once(node, `identity:${r.id}:${table}`, () => findIdentityComparisons(node, table, r));
}

function findIdentityComparisons(node: Node | null, table: string, r: Routines): IdentityComparison[] {
  const out: IdentityComparison[] = [];
  const visit = (n: unknown, qualifiedOnly: boolean): void => {
    walk(n, (kind, body, self) => {
      if (kind === 'SubLink') {
        if (scalarSubselect(body)) return; // walked on: its columns are the row's
        if (body.testexpr) visit(body.testexpr, qualifiedOnly);
        visit(body.subselect, true); // only references qualified with the table name are the row's
        return false;
      }
      if (kind !== 'A_Expr') return;
      const op = operator(body);
      const distinct = body.kind === 'AEXPR_NOT_DISTINCT';
      if (!((body.kind === 'AEXPR_OP' || body.kind === 'AEXPR_OP_ANY') && op === '=') && !distinct) return;
      const [l, rr] = [body.lexpr as Node | undefined, body.rexpr as Node | undefined];
      if (!l || !rr) return;
      for (const [a, b] of [[l, rr], [rr, l]] as const) {
        const col = rowColumn(a, table, qualifiedOnly);
        if (col && isIdentityValue(b, r)) {
          out.push({ column: col, nullMatching: distinct, identity: b, node: self });
          return false;
        }
        const ca = coalesceArgs(a);
        const cb = coalesceArgs(b);
        const ccol = ca && rowColumn(ca[0]!, table, qualifiedOnly);
        if (ca && cb && ccol && isIdentityValue(cb[0]!, r)) {
          out.push({ column: ccol, nullMatching: true, identity: cb[0]!, node: self });
          return false;
        }
      }
      return undefined;
    });
  };
  if (node) visit(node, false);
  // NOT (x IS DISTINCT FROM auth.uid()) is x IS NOT DISTINCT FROM auth.uid()
  walk(node, (kind, body, self) => {
    if (kind !== 'BoolExpr' || body.boolop !== 'NOT_EXPR') return;
    const inner = (body.args as Node[])[0]!;
    const [ik, ib] = kindOf(inner);
    if (ik !== 'A_Expr' || ib.kind !== 'AEXPR_DISTINCT') return;
    for (const [a, b] of [[ib.lexpr, ib.rexpr], [ib.rexpr, ib.lexpr]] as [Node, Node][]) {
      const col = rowColumn(a, table, false);
      if (col && isIdentityValue(b, r)) out.push({ column: col, nullMatching: true, identity: b, node: self });
    }
  });
  return out;
}

/** Columns of the row the condition compares with the requester's identity (the owner columns). */
export function ownerColumns(text: string | null, table: string, r: Routines): string[] {
  return [...new Set(identityComparisons(expr(text), table, r).map((c) => c.column))];
}

/**
 * When every OR-term of the condition ties the row to the requester, the row columns each term
 * ties (one set per term): a term needs a top-level conjunct `<row> = <identity>`, where the
 * row side is a column or an expression of columns (`(storage.foldername(name))[1]`, `email`
 * against `auth.jwt() ->> 'email'`). Undefined when some term admits rows that are not the
 * requester's own (`is_public`, `team_id IN (...)`, no condition at all).
 */
export function ownRowColumns(text: string | null, table: string, r: Routines, { subjectOnly = false } = {}): Set<string>[] | undefined {
  const node = expr(text);
  if (!node) return undefined;
  const identity = subjectOnly ? isSubjectValue : (n: Node) => isIdentityValue(n, r);
  return once(node, `ownRow:${r.id}:${table}:${subjectOnly}`, () => {
    const perTerm = disjuncts(node).map((term) => {
      const tied = new Set<string>();
      for (const c of conjuncts(unwrap(term))) {
        const [kind, body] = kindOf(unwrap(c));
        if (kind !== 'A_Expr' || body.kind !== 'AEXPR_OP' || operator(body) !== '=' || !body.lexpr || !body.rexpr) continue;
        for (const [row, id] of [[body.lexpr, body.rexpr], [body.rexpr, body.lexpr]] as [Node, Node][]) {
          if (!identity(id) || dependsOnRequester(row, r)) continue;
          rowColumns(row, table).forEach((col) => tied.add(col));
        }
      }
      return tied;
    });
    return perTerm.every((s) => s.size > 0) ? perTerm : undefined;
  });
}

/** Every column of the policy's row a condition references (correlated references in sub-selects too). */
export function rowColumns(node: Node | null, table: string): Set<string> {
  return once(node, `columns:${table}`, () => findRowColumns(node, table));
}

function findRowColumns(node: Node | null, table: string): Set<string> {
  const out = new Set<string>();
  const visit = (n: unknown, qualifiedOnly: boolean): void =>
    walk(n, (kind, body, self) => {
      if (kind === 'SubLink' && !scalarSubselect(body)) {
        if (body.testexpr) visit(body.testexpr, qualifiedOnly);
        visit(body.subselect, true);
        return false;
      }
      if (kind === 'ColumnRef') {
        const c = rowColumn(self, table, qualifiedOnly);
        if (c) out.add(c);
      }
      return undefined;
    });
  if (node) visit(node, false);
  return out;
}

/**
 * Row columns a condition checks against the requester or against other data: compared with
 * the identity, tested with IN (sub-select), referenced from inside a sub-select (EXISTS ...
 * WHERE m.org_id = docs.org_id), or passed to a function of the database (is_member(org_id)).
 * A column that is only compared with constants is not verified: its value is the client's.
 */
export function verifiedColumns(node: Node | null, table: string, r: Routines): Set<string> {
  return once(node, `verified:${r.id}:${table}`, () => findVerifiedColumns(node, table, r));
}

function findVerifiedColumns(node: Node | null, table: string, r: Routines): Set<string> {
  const out = new Set<string>(identityComparisons(node, table, r).map((c) => c.column));
  walk(node, (kind, body) => {
    if (kind === 'SubLink' && !scalarSubselect(body)) {
      rowColumns(body.testexpr as Node, table).forEach((c) => out.add(c));
      rowColumns(body.subselect as Node, table).forEach((c) => out.add(c));
    } else if (kind === 'FuncCall' && r.resolve(funcName(body))) {
      for (const a of (body.args as Node[] | undefined) ?? []) rowColumns(a, table).forEach((c) => out.add(c));
    }
  });
  // auth.organization_id() = org_id and the like are identity comparisons, already in
  return out;
}

// ---- shapes the checks look for ------------------------------------------------------

/** Top-level OR terms of a condition, as nodes (one term when there is no OR). */
export function orTerms(text: string | null): Node[] {
  const node = expr(text);
  return node ? disjuncts(node) : [];
}

function isNullTest(node: Node, type: 'IS_NULL' | 'IS_NOT_NULL'): Node | undefined {
  const [kind, body] = kindOf(node);
  return kind === 'NullTest' && body.nulltesttype === type ? (body.arg as Node) : undefined;
}

/** `x IS NULL`, or `NOT (x IS NOT NULL)`: the tested node. */
function testsNull(node: Node): Node | undefined {
  const direct = isNullTest(node, 'IS_NULL');
  if (direct) return direct;
  const [kind, body] = kindOf(node);
  return kind === 'BoolExpr' && body.boolop === 'NOT_EXPR' ? isNullTest((body.args as Node[])[0]!, 'IS_NOT_NULL') : undefined;
}

/**
 * Top-level disjuncts that are true when there is no identity (`auth.user_id() IS NULL`,
 * `NOT (auth.uid() IS NOT NULL)`, wrapped or not), each with the call it tests; with the
 * other disjuncts.
 */
export function nullIdentityDisjuncts(text: string | null): { call: string; rest: Node[] } | undefined {
  const terms = orTerms(text);
  if (terms.length < 2) return undefined;
  let call: string | undefined;
  const rest = terms.filter((t) => {
    const tested = testsNull(t);
    const inner = tested && unwrap(tested);
    if (!inner || kindOf(inner)[0] !== 'FuncCall' || !IDENTITY_FUNCTIONS.has(funcName(kindOf(inner)[1]))) return true;
    call ??= `${funcName(kindOf(inner)[1])}()`;
    return false;
  });
  return call ? { call, rest } : undefined;
}

/** The row column a term tests for NULL (`user_id IS NULL`), if it is such a test. */
export function nullTestedColumn(term: Node, table: string): string | undefined {
  const tested = testsNull(term);
  return tested && rowColumn(tested, table, false);
}

/** Top-level disjuncts `col IS NULL` on a row column: rows without that value pass. */
export function nullColumnDisjuncts(text: string | null, table: string): string[] {
  const terms = orTerms(text);
  if (terms.length < 2) return [];
  return terms.flatMap((t) => nullTestedColumn(t, table) ?? []);
}

/** The OR of these terms, as SQL. */
export function orSql(terms: Node[]): string {
  if (terms.length === 1) return deparse(terms[0]!);
  return deparse({ BoolExpr: { boolop: 'OR_EXPR', args: terms } });
}

/** The condition with nodes of its tree (from expr()) replaced, as SQL. */
export function replaceSql(text: string, replacements: Map<Node, Node>): string {
  const root = expr(text)!;
  const swap = (n: unknown): unknown => {
    const by = replacements.get(n as Node);
    if (by) return by;
    if (Array.isArray(n)) return n.map(swap);
    if (n && typeof n === 'object') return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, swap(v)]));
    return n;
  };
  return deparse(swap(root) as Node);
}

/** `(SELECT <node>)`: a value computed once per statement (an InitPlan) instead of once per row. */
function selectOnce(node: Node): Node {
  return { SubLink: { subLinkType: 'EXPR_SUBLINK', subselect: { SelectStmt: { targetList: [{ ResTarget: { val: node } }], limitOption: 'LIMIT_OPTION_DEFAULT', op: 'SETOP_NONE' } } } };
}

/** `col = (SELECT <identity>)` as a node: a comparison that NULL never satisfies, evaluated once per statement. */
export function equalsIdentity(column: string, identity: Node): Node {
  const id = kindOf(identity)[0] === 'SubLink' ? identity : selectOnce(identity);
  return { A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: '=' } }], lexpr: { ColumnRef: { fields: [{ String: { sval: column } }] } }, rexpr: id } };
}

/** `(SELECT auth.jwt()) ->> 'claim'`: a claim of the verified token, read once per statement. */
export function jwtClaim(claim: string): Node {
  const jwt = { FuncCall: { funcname: [{ String: { sval: 'auth' } }, { String: { sval: 'jwt' } }], funcformat: 'COERCE_EXPLICIT_CALL' } };
  return { A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: '->>' } }], lexpr: selectOnce(jwt), rexpr: { A_Const: { sval: { sval: claim } } } } };
}

/**
 * A condition every signed-in user passes whatever the row: `true`, or only conjuncts that
 * test that there is an identity (`auth.uid() IS NOT NULL`, `auth.role() = 'authenticated'`).
 */
export function trueForEveryUser(text: string | null, r: Routines): boolean {
  const node = expr(text);
  if (!node) return false;
  return once(node, `everyUser:${r.id}`, () => conjuncts(node).every((c) => {
    if (constantTruth(c) === true) return true;
    const tested = isNullTest(c, 'IS_NOT_NULL');
    if (tested) return isIdentityValue(tested, r);
    const [kind, body] = kindOf(c);
    if (kind !== 'A_Expr' || body.kind !== 'AEXPR_OP' || operator(body) !== '=') return false;
    const sides = [body.lexpr as Node, body.rexpr as Node];
    const constant = sides.map(constString).find((x) => x !== undefined);
    const other = sides.find((x) => constString(x) === undefined);
    if (constant !== 'authenticated' || !other) return false;
    const [ok, ob] = kindOf(unwrap(other));
    return (ok === 'FuncCall' && funcName(ob) === 'auth.role') || (ok === 'SQLValueFunction' && ROLE_VALUES.has(String(ob.op))) || isIdentityValue(other, r);
  }));
}

/** Whether the condition depends on the requester at all (identity, claims, current_user; helpers followed). */
export function dependsOnRequester(node: Node | null, r: Routines): boolean {
  return sources(node, r).some((s) => s.kind === 'identity' || s.kind === 'caller role');
}

/** The tables a condition reads in its sub-selects, `schema.name` (pg_get_expr qualifies them with an empty search_path). */
export function tablesRead(text: string | null): string[] {
  const node = expr(text);
  return once(node, 'tables', () => {
    const out = new Set<string>();
    walk(node, (kind, body) => {
      if (kind === 'RangeVar' && body.schemaname) out.add(`${body.schemaname}.${body.relname}`);
    });
    return [...out];
  });
}

/**
 * Whether a condition reads column `column` of table `table` in a sub-select, or through the
 * functions of the database it calls (followed `depth` levels): `my_teams('admin')` whose body
 * filters on the membership's role does, `my_teams()` that only looks for the caller does not.
 */
export function readsColumnThrough(node: unknown, table: string, column: string, r: Routines, depth = 2): boolean {
  if (readsColumn(node, table, column)) return true;
  let found = false;
  walk(node, (kind, body) => {
    if (found || kind !== 'FuncCall' || depth <= 0) return;
    const f = r.resolve(funcName(body));
    if (f && readsColumnThrough(r.body(f), table, column, r, depth - 1)) found = true;
  });
  return found;
}

/**
 * Whether a tree filters on column `column` of table `table`: a statement that reads the table
 * (FROM, UPDATE, DELETE) and tests the column in its WHERE (qualified with the table's name or
 * alias, or bare when the table is its only FROM item). Selecting the column is not deciding on it.
 */
export function readsColumn(node: unknown, table: string, column: string): boolean {
  let found = false;
  // `x IN (SELECT m.org_id FROM members m ...)`: the selected column is compared too
  const compared = new Set<unknown>();
  walk(node, (kind, body) => {
    if (kind === 'SubLink' && body.subLinkType === 'ANY_SUBLINK') compared.add((body.subselect as Node | undefined)?.SelectStmt);
  });
  walk(node, (kind, body) => {
    if (found || !['SelectStmt', 'UpdateStmt', 'DeleteStmt'].includes(kind)) return;
    const tested = [body.whereClause, ...(compared.has(body) ? [body.targetList] : [])].filter(Boolean);
    if (!tested.length) return;
    const items: Record<string, unknown>[] = [];
    if (body.relation) items.push(body.relation as Record<string, unknown>);
    for (const f of (body.fromClause as Node[] | undefined) ?? []) walk(f, (k, b) => (k === 'RangeVar' ? void items.push(b) : undefined));
    const mine = items.filter((rv) => rv.relname === table).map((rv) => String((rv.alias as { aliasname?: string } | undefined)?.aliasname ?? table));
    if (!mine.length) return;
    walk(tested, (k, b) => {
      if (k !== 'ColumnRef') return;
      const parts = names(b.fields);
      if (parts[parts.length - 1] !== column) return;
      if (parts.length === 1 ? items.length === 1 : mine.includes(parts[parts.length - 2]!)) found = true;
    });
  });
  return found;
}


/** Calls of auth.*() and current_setting() evaluated per row (not inside a sub-select), as written. */
function bareCalls(node: Node | null): Node[] {
  return once(node, 'bare', () => findBareCalls(node));
}

function findBareCalls(node: Node | null): Node[] {
  const out: Node[] = [];
  walk(node, (kind, body, self) => {
    if (kind === 'SubLink') return false;
    if (kind !== 'FuncCall') return undefined;
    const name = funcName(body);
    if (IDENTITY_FUNCTIONS.has(name) || name === 'current_setting') {
      out.push(self);
      return false;
    }
    return undefined;
  });
  return out;
}

export function bareAuthCalls(text: string | null): string[] {
  return bareCalls(expr(text)).map(deparse);
}

/** The condition with every per-row auth call wrapped as `(SELECT <call>)`, as SQL. */
export function wrapAuthCalls(text: string): string {
  return replaceSql(text, new Map(bareCalls(expr(text)).map((c) => [c, selectOnce(c)])));
}

/** Whether the condition checks a tenant (organization, team, workspace ...): a tenant column or claim. */
export function referencesTenant(text: string | null): boolean {
  const node = expr(text);
  return once(node, 'tenant', () => {
    let found = false;
    walk(node, (kind, body) => {
    if (kind === 'ColumnRef' && TENANT_COLUMNS.has(names(body.fields).pop() ?? '')) found = true;
    else if (kind === 'FuncCall' && ['auth.organization_id', 'auth.organization'].includes(funcName(body))) found = true;
    else if (kind === 'A_Const' && TENANT_COLUMNS.has((body.sval as { sval?: string } | undefined)?.sval ?? '')) found = true;
    });
    return found;
  });
}

/** The condition a policy holds a new row to: WITH CHECK, or USING when it has none (as Postgres does). */
export function effectiveCheck(p: PolicyFacts): string | null {
  return p.check ?? p.using;
}
