/**
 * Where an object was made in SQL sources: the statement of a migration file (or inline SQL, or a
 * seed file) that creates the policy, enables RLS, grants the privilege, creates the table, the
 * function or the view, found with the parser. `pg-rls-test mutate` points each mutant there, and
 * the audit each finding (its SARIF results are anchored on that file and line).
 */
import { names, parseScript, type Node, type ParsedStatement } from './parse.js';

/** What to look for: the object, named as the catalog names it (schema-qualified). */
export type Locator =
  | { kind: 'policy'; table: string; name: string }
  | { kind: 'rls'; table: string; force: boolean }
  | { kind: 'relation'; table: string }
  | { kind: 'grant'; objectType: 'table' | 'sequence' | 'schema' | 'function'; object: string; privilege: string; grantee: string }
  | { kind: 'function'; name: string }
  | { kind: 'view'; name: string }
  | { kind: 'schema'; name: string }
  | { kind: 'role'; name: string };

/** A 1-based position: line and column (UTF-16 units, as the text is indexed). */
export interface Position {
  line: number;
  column: number;
}

/** A source parsed once, to be searched for many objects. */
export interface ParsedSource {
  name: string;
  text: string;
  statements: ParsedStatement[];
}

export interface StatementLocation {
  /** the source's name */
  file: string;
  start: Position;
  /** just past the statement's last character */
  end: Position;
}

/** Parses each source; one the parser cannot read (the database accepted it) has no statements. */
export function parseSources(sources: { name: string; text: string }[]): ParsedSource[] {
  return sources.map(({ name, text }) => {
    let statements: ParsedStatement[] = [];
    try {
      statements = parseScript(text);
    } catch {
      // its objects are found nowhere: callers fall back to their own location
    }
    return { name, text, statements };
  });
}

/**
 * The last statement, in source order, that makes the object (a later migration that drops and
 * recreates a policy, or replaces a function, made what the catalog holds now): the statement
 * itself (a CREATE POLICY, an ALTER TABLE ... ENABLE ROW LEVEL SECURITY, a GRANT), else for a
 * privilege the statement that creates the object it is on (a default privilege, or the owner's
 * own grant).
 */
export function findStatement(sources: ParsedSource[], locator: Locator): StatementLocation | undefined {
  return lastMatch(sources, (stmt) => matches(stmt, locator)) ?? (locator.kind === 'grant' ? lastMatch(sources, (stmt) => creates(stmt, locator)) : undefined);
}

function lastMatch(sources: ParsedSource[], test: (stmt: Node) => boolean): StatementLocation | undefined {
  for (let i = sources.length - 1; i >= 0; i--) {
    const s = sources[i]!;
    for (let j = s.statements.length - 1; j >= 0; j--) {
      const stmt = s.statements[j]!;
      if (test(stmt.stmt)) return { file: s.name, ...range(s.text, stmt.start, stmt.end) };
    }
  }
  return undefined;
}

/** 1-based line and column of two offsets of a text. */
export function range(text: string, start: number, end: number): { start: Position; end: Position } {
  const pos = (offset: number): Position => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  };
  return { start: pos(start), end: pos(end) };
}

function rangeVar(node: unknown): { schema?: string; name: string } | undefined {
  const rv = (node as { RangeVar?: { schemaname?: string; relname?: string } } | undefined)?.RangeVar ?? (node as { schemaname?: string; relname?: string } | undefined);
  return rv?.relname ? { ...(rv.schemaname ? { schema: rv.schemaname } : {}), name: rv.relname } : undefined;
}

/** 'public.posts' against a RangeVar (an unqualified name matches any schema). */
function sameRelation(rv: { schema?: string; name: string } | undefined, qualified: string): boolean {
  if (!rv) return false;
  const [schema, name] = [qualified.slice(0, qualified.indexOf('.')), qualified.slice(qualified.indexOf('.') + 1)];
  return rv.name === name && (!rv.schema || rv.schema === schema);
}

function sameFunction(funcname: unknown, qualified: string): boolean {
  const parts = names(funcname);
  const [schema, name] = [qualified.slice(0, qualified.indexOf('.')), qualified.slice(qualified.indexOf('.') + 1)];
  return parts[parts.length - 1] === name && (parts.length === 1 || parts[0] === schema);
}

function body<T>(stmt: Node, kind: string): T | undefined {
  return stmt[kind] as T | undefined;
}

function matches(stmt: Node, l: Locator): boolean {
  switch (l.kind) {
    case 'policy': {
      const p = body<{ policy_name?: string; table?: unknown }>(stmt, 'CreatePolicyStmt');
      return !!p && p.policy_name === l.name && sameRelation(rangeVar(p.table), l.table);
    }
    case 'rls': {
      const a = body<{ relation?: unknown; cmds?: { AlterTableCmd?: { subtype?: string } }[] }>(stmt, 'AlterTableStmt');
      const want = l.force ? 'AT_ForceRowSecurity' : 'AT_EnableRowSecurity';
      return !!a && sameRelation(rangeVar(a.relation), l.table) && (a.cmds ?? []).some((c) => c.AlterTableCmd?.subtype === want);
    }
    case 'relation':
      return creates(stmt, l);
    case 'function': {
      const f = body<{ funcname?: unknown }>(stmt, 'CreateFunctionStmt');
      return !!f && sameFunction(f.funcname, l.name);
    }
    case 'view': {
      const v = body<{ view?: unknown }>(stmt, 'ViewStmt');
      return !!v && sameRelation(rangeVar(v.view), l.name);
    }
    case 'schema':
      return body<{ schemaname?: string }>(stmt, 'CreateSchemaStmt')?.schemaname === l.name;
    case 'role':
      return body<{ role?: string }>(stmt, 'CreateRoleStmt')?.role === l.name;
    case 'grant': {
      const g = body<{ is_grant?: boolean; objtype?: string; targtype?: string; objects?: unknown[]; privileges?: { AccessPriv?: { priv_name?: string } }[]; grantees?: { RoleSpec?: { roletype?: string; rolename?: string } }[] }>(stmt, 'GrantStmt');
      if (!g?.is_grant || g.objtype !== `OBJECT_${l.objectType.toUpperCase()}`) return false;
      const privs = (g.privileges ?? []).map((p) => String(p.AccessPriv?.priv_name ?? '').toUpperCase());
      if (privs.length && !privs.includes(l.privilege)) return false;
      const grantees = (g.grantees ?? []).map((r) => (r.RoleSpec?.roletype === 'ROLESPEC_PUBLIC' ? 'public' : String(r.RoleSpec?.rolename ?? '')));
      if (!grantees.includes(l.grantee)) return false;
      const schemaOf = l.object.includes('.') ? l.object.slice(0, l.object.indexOf('.')) : l.object;
      if (g.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') return names(g.objects).includes(schemaOf);
      return (g.objects ?? []).some((o) => {
        if (l.objectType === 'schema') return names([o])[0] === l.object;
        if (l.objectType === 'function') return sameFunction((o as { ObjectWithArgs?: { objname?: unknown } }).ObjectWithArgs?.objname, l.object);
        return sameRelation(rangeVar(o), l.object);
      });
    }
  }
}

/** The statement that creates the table, view, sequence, function or schema a locator names. */
function creates(stmt: Node, l: Locator): boolean {
  const target = l.kind === 'relation' ? l.table : l.kind === 'grant' ? l.object : undefined;
  if (!target) return false;
  if (l.kind === 'grant' && l.objectType === 'function') {
    const f = body<{ funcname?: unknown }>(stmt, 'CreateFunctionStmt');
    return !!f && sameFunction(f.funcname, target);
  }
  if (l.kind === 'grant' && l.objectType === 'schema') return matches(stmt, { kind: 'schema', name: target });
  const rel =
    body<{ relation?: unknown }>(stmt, 'CreateStmt')?.relation ??
    body<{ view?: unknown }>(stmt, 'ViewStmt')?.view ??
    body<{ sequence?: unknown }>(stmt, 'CreateSeqStmt')?.sequence ??
    body<{ into?: { rel?: unknown } }>(stmt, 'CreateTableAsStmt')?.into?.rel;
  return sameRelation(rangeVar(rel), target);
}
