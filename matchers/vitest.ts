/**
 * `import 'pg-rls-test/vitest'` (in a test file or in `setupFiles`): registers the matchers with
 * Vitest's expect, fails any test that leaves one of them un-awaited, and types them.
 */
import { afterAll, afterEach, beforeEach, chai, expect } from 'vitest';
import { abandonPendingStarts } from '../src/internal.js';
import { asyncMatcherNames, matchers } from './index.js';
import { checkAwaited, resetCalls, track } from './_await-guard.js';
import type { PgRlsMatchers } from './types.js';

expect.extend(matchers as never);

// Wrap each method so the guard sees whether the promise the test got was awaited.
for (const name of asyncMatcherNames) {
  chai.util.overwriteMethod(chai.Assertion.prototype, name, (original: (...a: unknown[]) => unknown) =>
    function (this: unknown, ...args: unknown[]) {
      return track(name, original.apply(this, args) as PromiseLike<unknown>, { callSite: true });
    },
  );
}

beforeEach(() => resetCalls());
afterEach((ctx) => checkAwaited(ctx.task.name));
// A start still under way when the file ends was cut off by a hook timeout: say which step it was in.
afterAll(() => {
  const unfinished = abandonPendingStarts();
  if (unfinished) throw unfinished;
});

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Assertion<T = any> extends PgRlsMatchers {}
}

export { matchers, asyncMatcherNames };
export type { PgRlsMatchers };
