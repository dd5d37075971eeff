import { expect, test } from 'vitest';
import { bareAuthCalls, bodyChecksCaller, isAlwaysTrue, nullIdentityDisjuncts, referencesTenant, topLevelSplit, wrapAuthCalls } from '../../src/audit/expressions.js';

test('auth calls inside a sub-select run once per statement; bare ones per row', () => {
  // The seed's form, as Postgres deparses it: the call is inside ( SELECT ...): not per row.
  expect(bareAuthCalls('( SELECT (auth.user_id() = posts.user_id))')).toEqual([]);
  expect(bareAuthCalls('(( SELECT auth.user_id() AS user_id) = user_id)')).toEqual([]);
  expect(bareAuthCalls('(org_id IN ( SELECT m.org_id FROM members m WHERE (m.user_id = auth.user_id())))')).toEqual([]);
  expect(bareAuthCalls('(auth.user_id() = user_id)')).toEqual(['auth.user_id()']);
  expect(bareAuthCalls("((current_setting('request.jwt.claims'::text, true))::jsonb ->> 'sub'::text) = user_id")).toEqual(["current_setting('request.jwt.claims'::text, true)"]);
  // a string that looks like a call is not one
  expect(bareAuthCalls("(note = 'auth.uid()')")).toEqual([]);
  expect(bareAuthCalls('(myauth.uid() = x)')).toEqual([]);
  expect(wrapAuthCalls('((auth.user_id() = user_id) AND (auth.uid() IS NOT NULL))')).toBe('(((SELECT auth.user_id()) = user_id) AND ((SELECT auth.uid()) IS NOT NULL))');
});

test('always-true conditions', () => {
  for (const t of ['true', '(true)', '((true))', '(1 = 1)']) expect(isAlwaysTrue(t), t).toBe(true);
  for (const t of ['(true AND x)', '(is_published)', null]) expect(isAlwaysTrue(t), String(t)).toBe(false);
});

test('top-level OR and disjuncts true without identity', () => {
  expect(topLevelSplit('((a OR b) AND c)', 'OR')).toEqual(['(a OR b) AND c']);
  expect(topLevelSplit("((x = 'a OR b') OR (y))", 'OR')).toEqual(["(x = 'a OR b')", '(y)']);
  expect(nullIdentityDisjuncts('((auth.uid() IS NULL) OR (owner = auth.uid()))')).toEqual([{ part: '(auth.uid() IS NULL)', call: 'auth.uid()' }]);
  expect(nullIdentityDisjuncts('((( SELECT auth.user_id() AS user_id) IS NULL) OR (owner = x))')).toEqual([{ part: '(( SELECT auth.user_id() AS user_id) IS NULL)', call: 'auth.user_id()' }]);
  expect(nullIdentityDisjuncts('((NOT (auth.uid() IS NOT NULL)) OR (owner = x))').map((d) => d.call)).toEqual(['auth.uid()']);
  // gated by AND: not a disjunct of the whole condition
  expect(nullIdentityDisjuncts('((auth.uid() IS NOT NULL) AND ((auth.uid() IS NULL) OR x))')).toEqual([]);
});

test('tenant markers and SECURITY DEFINER bodies that check the caller', () => {
  expect(referencesTenant('(org_id = ( SELECT auth.organization_id() AS organization_id))')).toBe(true);
  expect(referencesTenant('(tenant_id = 3)')).toBe(true);
  expect(referencesTenant('(is_public)')).toBe(false);
  expect(bodyChecksCaller(' SELECT EXISTS (SELECT 1 FROM public.members WHERE user_id = (SELECT auth.user_id())) ')).toBe(true);
  expect(bodyChecksCaller(' SELECT content FROM public.posts ')).toBe(false);
});
