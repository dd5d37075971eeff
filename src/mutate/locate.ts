/**
 * Where each mutant's object was made: the statement of a migration file (or inline SQL) that
 * creates the policy, enables RLS, grants the privilege, creates the function or the view,
 * found with the parser. What no source shows (the preset's grants, the seed's DDL) is listed
 * in a generated file, one line per object: the SQL of its original state.
 */
import { relative } from 'node:path';
import { names, parseScript, type Node, type ParsedStatement } from '../sql/parse.js';
import type { Mutant, SourceFile } from './types.js';
import type { SetupRecord } from './worker.js';

export const GENERATED_FILE = 'pg-rls-test (objects not created by a migration).sql';

interface Parsed {
  file: SourceFile;
  statements: ParsedStatement[];
}

type Loc = NonNullable<Mutant['location']>;

/** Sets `location` on every mutant and returns the files they point into. */
export function locateMutants(mutants: Mutant[], setups: SetupRecord[], cwd: string): SourceFile[] {
  const parsed = new Map<string, Parsed>();
  for (const s of setups) {
    for (const src of s.sources) {
      const inline = !src.label.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(src.label);
      const name = inline ? `${s.testFile ? relative(cwd, s.testFile) : 'inline'} (${src.label})` : relative(cwd, src.label);
      if (parsed.has(name)) continue;
      let statements: ParsedStatement[] = [];
      try {
        statements = parseScript(src.text);
      } catch {
        // a file the parser cannot read (PGlite accepted it): its objects go to the generated file
      }
      parsed.set(name, { file: { name, source: src.text }, statements });
    }
  }
  const generated: string[] = [];
  const used = new Set<string>();
  for (const m of mutants) {
    let found: Loc | undefined;
    for (const p of parsed.values()) {
      const stmt = p.statements.find((s) => matches(s.stmt, m)) ?? (m.locate.kind === 'grant' ? p.statements.find((s) => creates(s.stmt, m.locate)) : undefined);
      if (stmt) {
        found = { file: p.file.name, ...range(p.file.source, stmt.start, stmt.end) };
        used.add(p.file.name);
        break;
      }
    }
    if (!found) {
      const line = `-- ${m.object}: ${m.undo};`;
      let at = generated.indexOf(line);
      if (at < 0) at = generated.push(line) - 1;
      found = { file: GENERATED_FILE, start: { line: at + 1, column: 1 }, end: { line: at + 1, column: line.length + 1 } };
    }
    m.location = found;
  }
  const files = [...parsed.values()].filter((p) => used.has(p.file.name)).map((p) => p.file);
  if (generated.length) files.push({ name: GENERATED_FILE, source: `${generated.join('\n')}\n` });
  return files;
}

function range(text: string, start: number, end: number): Omit<Loc, 'file'> {
  const pos = (offset: number) => {
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

function matches(stmt: Node, m: Mutant): boolean {
  const l = m.locate;
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
function creates(stmt: Node, l: Mutant['locate']): boolean {
  const target = l.kind === 'relation' ? l.table : l.kind === 'grant' ? l.object : undefined;
  if (!target) return false;
  if (l.kind === 'grant' && l.objectType === 'function') {
    const f = body<{ funcname?: unknown }>(stmt, 'CreateFunctionStmt');
    return !!f && sameFunction(f.funcname, target);
  }
  if (l.kind === 'grant' && l.objectType === 'schema') return body<{ schemaname?: string }>(stmt, 'CreateSchemaStmt')?.schemaname === target;
  const rel =
    body<{ relation?: unknown }>(stmt, 'CreateStmt')?.relation ??
    body<{ view?: unknown }>(stmt, 'ViewStmt')?.view ??
    body<{ sequence?: unknown }>(stmt, 'CreateSeqStmt')?.sequence ??
    body<{ into?: { rel?: unknown } }>(stmt, 'CreateTableAsStmt')?.into?.rel;
  return sameRelation(rangeVar(rel), target);
}
