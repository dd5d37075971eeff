/**
 * Jest: `setupFilesAfterEnv: ['pg-rls-test/jest']`. Registers the matchers with Jest's expect,
 * fails a test that leaves one un-awaited, and types them (global `jest.Matchers` and the
 * `expect` module used by @jest/globals).
 */
import type {} from 'expect';
import { RunnerNotFoundError } from '../src/internal.js';
import { asyncMatcherNames, install, matchers } from './index.js';
import type { PgRlsMatchers } from './types.js';

interface JestExpect {
  (actual: unknown): unknown;
  extend(m: object): void;
  getState(): { currentTestName?: string };
}

const g = globalThis as unknown as { expect?: JestExpect; afterEach?: (fn: () => void) => void; beforeEach?: (fn: () => void) => void; afterAll?: (fn: () => void) => void };
if (typeof g.expect !== 'function' || typeof g.afterEach !== 'function') {
  throw new RunnerNotFoundError('pg-rls-test/jest found no global expect and afterEach: it needs Jest\'s globals (loaded from a plain script, or with injectGlobals: false)', {
    hint: "add it to jest.config: setupFilesAfterEnv: ['pg-rls-test/jest'], and keep injectGlobals (the default); with injectGlobals: false, register by hand: import { install } from 'pg-rls-test/matchers'; install(expect, { beforeEach, afterEach, afterAll }) with those from @jest/globals. With Vitest, import 'pg-rls-test/vitest' instead",
  });
}

// guarded implementations, the await guard's hooks, and the abandoned-start report (_install.ts)
install(g.expect, { beforeEach: g.beforeEach, afterEach: g.afterEach, afterAll: g.afterAll });

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
