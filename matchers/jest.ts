/**
 * Jest: `setupFilesAfterEnv: ['pg-rls-test/jest']`. Registers the matchers with Jest's expect,
 * fails a test that leaves one un-awaited, and types them (global `jest.Matchers` and the
 * `expect` module used by @jest/globals).
 */
import type {} from 'expect';
import { abandonPendingStarts, RunnerNotFoundError } from '../src/internal.js';
import { asyncMatcherNames, matchers } from './index.js';
import { checkAwaited, resetCalls, track } from './_await-guard.js';
import type { MatcherContext } from './_context.js';
import type { PgRlsMatchers } from './types.js';

interface JestExpect {
  (actual: unknown): unknown;
  extend(m: object): void;
  getState(): { currentTestName?: string };
}

const g = globalThis as unknown as { expect?: JestExpect; afterEach?: (fn: () => void) => void; beforeEach?: (fn: () => void) => void; afterAll?: (fn: () => void) => void };
if (typeof g.expect !== 'function' || typeof g.afterEach !== 'function') {
  throw new RunnerNotFoundError('pg-rls-test/jest found no global expect and afterEach: it needs Jest\'s globals (loaded from a plain script, or with injectGlobals: false)', {
    hint: "add it to jest.config: setupFilesAfterEnv: ['pg-rls-test/jest'], and keep injectGlobals (the default); with injectGlobals: false, register by hand: import { matchers } from 'pg-rls-test/matchers'; expect.extend(matchers) (no await guard). With Vitest, import 'pg-rls-test/vitest' instead",
  });
}

type Then = (onFulfilled?: ((v: unknown) => unknown) | null, onRejected?: ((e: unknown) => unknown) | null) => PromiseLike<unknown>;

/**
 * The await guard, at the level of the matcher implementations, so that it holds for the global
 * `expect` and for `@jest/globals`' (a different function object, which a setup file cannot
 * replace). Jest's expect calls an async matcher, chains `.then(processResult).catch(handleError)`
 * on what it returned, and hands that to the test (expect's makeThrowingMatcher, Jest 29 and 30).
 * Each implementation therefore returns a thenable whose `.then(...)` returns one whose
 * `.then` / `.catch` / `.finally` returns the tracked result: the object the test receives.
 * Should expect ever chain differently, nothing is tracked: the guard goes quiet, it never fails
 * an awaited matcher.
 */
function guarded(name: string, result: PromiseLike<unknown>): PromiseLike<unknown> {
  const settled = Promise.resolve(result);
  return {
    then(onFulfilled, onRejected) {
      const processed = settled.then(onFulfilled, onRejected);
      return {
        then: ((f, r) => track(name, processed.then(f, r))) as Then,
        catch: (r: (e: unknown) => unknown) => track(name, processed.catch(r)),
        finally: (f: () => void) => track(name, processed.finally(f)),
      } as PromiseLike<unknown>;
    },
    catch: (r: (e: unknown) => unknown) => settled.catch(r),
    finally: (f: () => void) => settled.finally(f),
  } as PromiseLike<unknown>;
}

type Impl = (this: MatcherContext, received: unknown, ...args: unknown[]) => PromiseLike<unknown>;
const impls = matchers as unknown as Record<string, Impl>;
const wrapped: Record<string, Impl> = {};
for (const name of asyncMatcherNames) {
  const impl = impls[name]!;
  wrapped[name] = function (this: MatcherContext, received: unknown, ...args: unknown[]) {
    return guarded(name, impl.call(this, received, ...args));
  };
}

const expect = g.expect;
expect.extend(wrapped);
g.beforeEach!(() => resetCalls());
g.afterEach!(() => checkAwaited(expect.getState().currentTestName));
// A start still under way when the file ends was cut off by a hook timeout: say which step it was in.
g.afterAll?.(() => {
  const unfinished = abandonPendingStarts();
  if (unfinished) throw unfinished;
});

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends PgRlsMatchers {}
  }
}

declare module 'expect' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown> extends PgRlsMatchers {}
}

export { matchers, asyncMatcherNames };
export type { PgRlsMatchers };
