import { beforeAll, describe, expect, test } from 'vitest';
import {
  andOf,
  calledFunctions,
  conjuncts,
  deparse,
  disjuncts,
  loadParser,
  parseExpression,
  parseScript,
  plpgsqlNodes,
  referencedColumns,
  SqlSyntaxError,
} from '../../src/sql/parse.js';

beforeAll(() => loadParser());

describe('the PostgreSQL parser (libpg-query)', () => {
  test('splits a policy expression into its top-level AND and OR terms', () => {
    const e = parseExpression('((user_id = ( SELECT auth.user_id() AS user_id)) AND ((org_id IN ( SELECT my_orgs() AS my_orgs)) AND (NOT archived)))');
    expect(conjuncts(e).map(deparse)).toEqual(['user_id = ((SELECT auth.user_id() AS user_id))', 'org_id IN (SELECT my_orgs() AS my_orgs)', 'NOT (archived)']);
    expect(disjuncts(parseExpression('(is_published OR (auth.user_id() = user_id))')).map(deparse)).toEqual(['is_published', 'auth.user_id() = user_id']);
    // an OR is one term of an AND, and the other way round
    expect(conjuncts(parseExpression('(a OR b)')).length).toBe(1);
    expect(deparse(andOf(conjuncts(parseExpression('a AND b AND c')).slice(1)))).toBe('b AND c');
    expect(deparse(andOf([]))).toBe('true');
  });

  test('finds the functions called and the columns referenced, at any depth', () => {
    const e = parseExpression("(COALESCE(auth.user_id(), ''::text) = COALESCE(posts.user_id, ''::text)) OR (current_setting('app.tenant'::text, true) = tenant_id::text)");
    expect(calledFunctions(e).sort()).toEqual(['auth.user_id', 'coalesce', 'coalesce', 'current_setting']);
    expect(referencedColumns(e).sort()).toEqual(['tenant_id', 'user_id']);
  });

  test('deparses what it parsed to equivalent SQL', () => {
    const text = "(((current_setting('request.jwt.claims'::text, true))::jsonb ->> 'sub'::text) = user_id)";
    expect(deparse(parseExpression(deparse(parseExpression(text))))).toBe(deparse(parseExpression(text)));
  });

  test('gives each statement of a script with its place in the text (characters, not bytes)', () => {
    const sql = "-- é accents before\nCREATE TABLE t (a int);\n\n/* c */ CREATE POLICY \"p\" ON t USING (a > 0);";
    const stmts = parseScript(sql);
    expect(stmts.map((s) => Object.keys(s.stmt)[0])).toEqual(['CreateStmt', 'CreatePolicyStmt']);
    expect(stmts.map((s) => sql.slice(s.start, s.end))).toEqual(['CREATE TABLE t (a int)', 'CREATE POLICY "p" ON t USING (a > 0)']);
  });

  test('reads the SQL inside a PL/pgSQL function: statements, conditions, assignments', () => {
    const def = `CREATE FUNCTION public.f(a bigint) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE v uuid := auth.uid(); n int;
      BEGIN
        PERFORM require_member(a);
        IF auth.uid() IS NULL THEN RAISE EXCEPTION 'no'; END IF;
        n := (SELECT count(*) FROM t WHERE owner = v);
        DELETE FROM secrets WHERE id = a;
        RETURN n;
      END $$`;
    const nodes = plpgsqlNodes(def);
    expect(calledFunctions(nodes)).toEqual(expect.arrayContaining(['auth.uid', 'require_member', 'count']));
    expect(nodes.map((n) => Object.keys(n)[0])).toEqual(expect.arrayContaining(['SelectStmt', 'DeleteStmt', 'NullTest']));
  });

  test('a syntax error names the text', () => {
    expect(() => parseExpression('a = = b')).toThrow(SqlSyntaxError);
    expect(() => parseExpression('a = = b')).toThrow(/cannot parse "a = = b": syntax error/);
  });
});
