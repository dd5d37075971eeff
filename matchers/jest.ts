/**
 * Jest: `setupFilesAfterEnv: ['pg-rls-test/jest']`. Registers the matchers with Jest's expect,
 * fails a test that leaves one un-awaited, and types them (global `jest.Matchers` and the
 * `expect` module used by @jest/globals).
 */
import type {} from 'expect';
import { RunnerNotFoundError } from '../src/internal.js';
import { asyncMatcherNames, matchers } from './index.js';
import { checkAwaited, resetCalls, track } from './_await-guard.js';
import type { PgRlsMatchers } from './types.js';

interface JestExpect {
  (actual: unknown): Record<string, unknown>;
  extend(m: object): void;
  getState(): { currentTestName?: string };
}

const g = globalThis as unknown as { expect?: JestExpect; afterEach?: (fn: () => void) => void; beforeEach?: (fn: () => void) => void };
if (typeof g.expect !== 'function' || typeof g.afterEach !== 'function') {
  throw new RunnerNotFoundError('pg-rls-test/jest found no global expect: load it from Jest, not from a plain script', {
    hint: "add it to jest.config: setupFilesAfterEnv: ['pg-rls-test/jest'] (with Vitest, import 'pg-rls-test/vitest' instead)",
  });
}
const original = g.expect;
original.extend(matchers);

const ours = new Set<string>(asyncMatcherNames);

/** Wraps the matcher methods of an expect(...) result (and its .not / .resolves chains) for the await guard. */
function wrap(target: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof prop === 'string' && ours.has(prop) && typeof value === 'function') {
        return (...args: unknown[]) => track(prop, (value as (...a: unknown[]) => PromiseLike<unknown>).apply(obj, args));
      }
      if ((prop === 'not' || prop === 'resolves' || prop === 'rejects') && value && typeof value === 'object') return wrap(value as Record<string, unknown>);
      return value;
    },
  });
}

const tracked = Object.assign((actual: unknown) => wrap(original(actual)), original) as JestExpect;
g.expect = tracked;
g.beforeEach!(() => resetCalls());
g.afterEach!(() => checkAwaited(original.getState().currentTestName));

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
