/** The matcher functions, without side effects: for `expect.extend(matchers)` by hand. */
import type { MatcherContext, MatcherResult } from './_context.js';
import type { PgRlsMatchers } from './types.js';
import { toHaveRlsEnabled } from './to-have-rls-enabled.js';
import { toHavePolicyFor } from './to-have-policy-for.js';
import { toHavePolicies } from './to-have-policies.js';
import { toHavePolicy } from './to-have-policy.js';
import { toGrantCrudTo } from './to-grant-crud-to.js';
import { toGrant } from './to-grant.js';
import { toHaveValidSubClaim } from './to-have-valid-sub-claim.js';
import { toBeVisibleTo } from './to-be-visible-to.js';
import { toBeVisibleOnlyTo } from './to-be-visible-only-to.js';
import { toBeWritableOnlyBy } from './to-be-writable-only-by.js';
import { toBeDeniedByRls } from './to-be-denied-by-rls.js';
import { toBeMemberOf } from './to-be-member-of.js';
import { toSeeOnly } from './to-see-only.js';
import { toBeDataApiReady } from './to-be-data-api-ready.js';
import { installWith, type ExtendableExpect, type RunnerHooks } from './_install.js';

type Implementations = {
  [K in keyof PgRlsMatchers]: (this: MatcherContext, received: unknown, ...args: never[]) => Promise<MatcherResult>;
};

/** Every matcher; the mapped type keeps implementations and PgRlsMatchers from drifting apart. */
export const matchers = {
  toHaveRlsEnabled,
  toHavePolicyFor,
  toHavePolicies,
  toHavePolicy,
  toGrantCrudTo,
  toGrant,
  toHaveValidSubClaim,
  toBeVisibleTo,
  toBeVisibleOnlyTo,
  toBeWritableOnlyBy,
  toBeDeniedByRls,
  toBeMemberOf,
  toSeeOnly,
  toBeDataApiReady,
} satisfies Implementations;

/** For eslint-plugin-vitest / eslint-plugin-jest `valid-expect` `asyncMatchers`. */
export const asyncMatcherNames = Object.keys(matchers) as (keyof PgRlsMatchers)[];

/**
 * Registers the matchers with `expect` by hand, with the await guard the runner entries add: a
 * matcher call that is not awaited fails its test with MatcherNotAwaitedError instead of passing.
 * `hooks` default to the runner's globals; pass them where there are none:
 * `install(expect, { beforeEach, afterEach, afterAll })` from '@jest/globals' or 'vitest'.
 * (`expect.extend(matchers)` alone works too, without the guard.)
 */
export function install(expect: ExtendableExpect, hooks?: RunnerHooks): void {
  installWith(matchers, expect, hooks);
}

export type { ExtendableExpect, RunnerHooks } from './_install.js';

export type { PgRlsMatchers } from './types.js';
export type { MatcherContext, MatcherResult } from './_context.js';
export * from './types.js';
