/** The meaning of policy expressions and function bodies, read with the PostgreSQL parser. */
import { beforeAll, expect, test } from 'vitest';
import {
  bareAuthCalls,
  expr,
  functionChecksCaller,
  functionTables,
  identityComparisons,
  isAlwaysFalse,
  isAlwaysTrue,
  nullColumnDisjuncts,
  nullIdentityDisjuncts,
  orSql,
  ownerColumns,
  referencesTenant,
  Routines,
  sources,
  verifiedColumns,
  wrapAuthCalls,
} from '../../src/audit/expressions.js';
import type { Facts, FunctionFacts } from '../../src/audit/facts.js';
import { deparse, loadParser } from '../../src/sql/parse.js';

beforeAll(() => loadParser());

function fn(schema: string, name: string, language: 'sql' | 'plpgsql', body: string, extra: Partial<FunctionFacts> = {}): FunctionFacts {
  const definition = `CREATE OR REPLACE FUNCTION ${schema}.${name}() RETURNS boolean LANGUAGE ${language} AS $fn$${body}$fn$`;
  return { schema, name, args: '', language, owner: 'postgres', securityDefiner: false, returnsTrigger: false, returns: 'boolean', searchPath: '""', body, definition, executableBy: [], publicExecute: true, audited: true, ...extra };
}

const routines = (functions: FunctionFacts[] = [], rlsTables: string[] = []) => new Routines({ functions, rlsTables } as unknown as Facts);
const none = routines();

test('auth calls inside a sub-select run once per statement; bare ones per row', () => {
  // The seed's form, as Postgres deparses it: the call is inside ( SELECT ...): not per row.
  expect(bareAuthCalls('( SELECT (auth.user_id() = posts.user_id))')).toEqual([]);
  expect(bareAuthCalls('(( SELECT auth.user_id() AS user_id) = user_id)')).toEqual([]);
  expect(bareAuthCalls('(org_id IN ( SELECT m.org_id FROM members m WHERE (m.user_id = auth.user_id())))')).toEqual([]);
  expect(bareAuthCalls('(auth.user_id() = user_id)')).toEqual(['auth.user_id()']);
  expect(bareAuthCalls("((current_setting('request.jwt.claims'::text, true))::jsonb ->> 'sub'::text) = user_id")).toEqual(["current_setting('request.jwt.claims'::text, true)"]);
  // a string that looks like a call is not one, nor is a function of another schema
  expect(bareAuthCalls("(note = 'auth.uid()')")).toEqual([]);
  expect(bareAuthCalls('(myauth.uid() = x)')).toEqual([]);
  expect(wrapAuthCalls('((auth.user_id() = user_id) AND (auth.uid() IS NOT NULL))')).toBe('((SELECT auth.user_id())) = user_id AND (SELECT auth.uid()) IS NOT NULL');
});

test('always-true and always-false conditions', () => {
  for (const t of ['true', '(true)', '((true))', '(1 = 1)', "'t'::boolean", '(true OR x)']) expect(isAlwaysTrue(t), t).toBe(true);
  for (const t of ['(true AND x)', '(is_published)', '(1 = 2)', null]) expect(isAlwaysTrue(t), String(t)).toBe(false);
  for (const t of ['false', '(1 = 0)', "'f'::boolean", '(false AND x)']) expect(isAlwaysFalse(t), t).toBe(true);
});

test('disjuncts true without identity, and rows without an owner', () => {
  const d = nullIdentityDisjuncts('((auth.uid() IS NULL) OR (owner = auth.uid()))');
  expect(d?.call).toBe('auth.uid()');
  expect(orSql(d!.rest)).toBe('owner = auth.uid()');
  expect(nullIdentityDisjuncts('((( SELECT auth.user_id() AS user_id) IS NULL) OR (owner = x))')?.call).toBe('auth.user_id()');
  expect(nullIdentityDisjuncts('((NOT (auth.uid() IS NOT NULL)) OR (owner = x))')?.call).toBe('auth.uid()');
  // gated by AND: not a disjunct of the whole condition
  expect(nullIdentityDisjuncts('((auth.uid() IS NOT NULL) AND ((auth.uid() IS NULL) OR x))')).toBeUndefined();
  expect(nullColumnDisjuncts('((user_id IS NULL) OR (user_id = ( SELECT auth.uid() AS uid)))', 'notes')).toEqual(['user_id']);
  expect(nullColumnDisjuncts('((deleted_at IS NULL) AND (user_id = auth.uid()))', 'notes')).toEqual([]);
});

test('owner columns: the row columns compared with the identity, in every written form', () => {
  const cols = (e: string) => ownerColumns(e, 'posts', none);
  expect(cols('( SELECT (auth.user_id() = posts.user_id))')).toEqual(['user_id']);
  expect(cols('(user_id = ( SELECT auth.uid() AS uid))')).toEqual(['user_id']);
  expect(cols("(((current_setting('request.jwt.claims'::text, true))::jsonb ->> 'sub'::text) = author)")).toEqual(['author']);
  expect(cols('(( SELECT auth.uid() AS uid) = ANY (editors))')).toEqual(['editors']);
  expect(cols('(is_published OR (owner_id = auth.uid()))')).toEqual(['owner_id']);
  // another table's column in a sub-select is not the row's
  expect(cols('(org_id IN ( SELECT m.org_id FROM members m WHERE (m.user_id = auth.uid())))')).toEqual([]);
  // a helper that returns the identity counts as the identity
  const r = routines([fn('public', 'me', 'sql', ' SELECT auth.uid() ')]);
  expect(ownerColumns('(user_id = public.me())', 'posts', r)).toEqual(['user_id']);
});

test('identity comparisons that match NULL', () => {
  const nullSafe = (e: string) => identityComparisons(expr(e), 'posts', none).map((c) => [c.column, c.nullMatching]);
  expect(nullSafe('(user_id IS NOT DISTINCT FROM auth.uid())')).toEqual([['user_id', true]]);
  expect(nullSafe("(COALESCE(auth.user_id(), ''::text) = COALESCE(user_id, ''::text))")).toEqual([['user_id', true]]);
  expect(nullSafe('(NOT (user_id IS DISTINCT FROM ( SELECT auth.uid() AS uid)))')).toEqual([['user_id', true]]);
  expect(nullSafe('(user_id = ( SELECT auth.uid() AS uid))')).toEqual([['user_id', false]]);
});

test('columns checked against other data, and tenant markers', () => {
  const r = routines([fn('public', 'is_member', 'sql', ' SELECT true ')]);
  const v = (e: string) => [...verifiedColumns(expr(e), 'members', r)].sort();
  expect(v('((user_id = auth.uid()) AND (org_id IN ( SELECT public.my_orgs() AS my_orgs)))')).toEqual(['org_id', 'user_id']);
  expect(v('((user_id = auth.uid()) AND public.is_member(org_id))')).toEqual(['org_id', 'user_id']);
  expect(v('(EXISTS ( SELECT 1 FROM invites i WHERE ((i.org_id = members.org_id) AND (i.email = auth.email()))))')).toEqual(['org_id']);
  expect(v("((user_id = auth.uid()) AND (role = 'member'::text))")).toEqual(['user_id']);
  expect(referencesTenant('(org_id = ( SELECT auth.organization_id() AS organization_id))')).toBe(true);
  expect(referencesTenant('(tenant_id = 3)')).toBe(true);
  expect(referencesTenant('(is_public)')).toBe(false);
});

test('what a condition trusts: the JWT, headers, settings anyone can set, user_metadata; through helpers', () => {
  const kinds = (e: string, r = none) => sources(expr(e), r).map((s) => `${s.kind}: ${s.what}${s.via.length ? ` via ${s.via.join(' > ')}` : ''}`);
  expect(kinds("((auth.jwt() -> 'user_metadata'::text) ->> 'role'::text) = 'admin'::text")).toEqual(['identity: auth.jwt()', 'user_metadata: user_metadata']);
  expect(kinds("(current_setting('request.jwt.claims'::text, true))::jsonb #>> '{user_metadata,role}'::text[]")).toEqual([
    "identity: current_setting('request.jwt.claims')",
    'user_metadata: user_metadata',
  ]);
  expect(kinds("(tenant_id = (current_setting('app.tenant_id'::text))::uuid)")).toEqual(["setting: current_setting('app.tenant_id')"]);
  expect(kinds("((current_setting('request.headers'::text, true))::json ->> 'x-user'::text)")).toEqual(["request headers: current_setting('request.headers')"]);
  expect(kinds("(current_setting('request.header.x-tenant'::text, true) = tenant)")).toEqual(["request headers: current_setting('request.header.x-tenant')"]);
  // app_metadata is set by the server: identity, not the user's
  expect(kinds("((auth.jwt() -> 'app_metadata'::text) ->> 'role'::text) = 'admin'::text")).toEqual(['identity: auth.jwt()']);
  const r = routines([
    fn('private', 'is_admin', 'sql', " SELECT (auth.jwt() -> 'user_metadata' ->> 'role') = 'admin' "),
    fn('private', 'tenant', 'plpgsql', " BEGIN RETURN current_setting('app.tenant', true)::uuid = private.is_admin()::text::uuid; END "),
  ]);
  expect(kinds('private.is_admin()', r)).toEqual(['identity: auth.jwt() via private.is_admin()', 'user_metadata: user_metadata via private.is_admin()']);
  expect(kinds('private.tenant()', r)).toEqual([
    "setting: current_setting('app.tenant') via private.tenant()",
    'identity: auth.jwt() via private.tenant() > private.is_admin()',
    'user_metadata: user_metadata via private.tenant() > private.is_admin()',
  ]);
});

test('function bodies: whether they look at the caller, and which tables they read and write', () => {
  const r = routines(
    [
      fn('public', 'require_member', 'plpgsql', " BEGIN IF NOT EXISTS (SELECT 1 FROM public.members WHERE user_id = auth.uid()) THEN RAISE EXCEPTION 'no'; END IF; RETURN true; END "),
      fn('public', 'wipe', 'plpgsql', ' BEGIN PERFORM public.require_member(); DELETE FROM public.secrets; RETURN true; END '),
      fn('public', 'all_posts', 'sql', ' SELECT content FROM posts ', { searchPath: 'public' }),
      fn('public', 'clock', 'sql', ' SELECT now() IS NOT NULL '),
    ],
    ['public.members', 'public.secrets', 'public.posts'],
  );
  const [requireMember, wipe, allPosts, clock] = ['require_member', 'wipe', 'all_posts', 'clock'].map((n) => r.resolve(`public.${n}`)!);
  expect(functionChecksCaller(requireMember!, r)).toBe(true);
  // the check lives in the helper it calls: followed one level
  expect(functionChecksCaller(wipe!, r)).toBe(true);
  expect(functionChecksCaller(allPosts!, r)).toBe(false);
  expect(functionChecksCaller(clock!, r)).toBe(false);
  const t = (f: FunctionFacts) => {
    const x = functionTables(f, r)!;
    return { reads: [...x.reads].sort(), writes: [...x.writes].sort() };
  };
  expect(t(wipe!)).toEqual({ reads: ['public.members'], writes: ['public.secrets'] });
  expect(t(allPosts!)).toEqual({ reads: ['public.posts'], writes: [] });
  expect(deparse(expr('( SELECT (auth.user_id() = posts.user_id))')!)).toBe('(SELECT auth.user_id() = posts.user_id)');
});
