/**
 * Registration with the await guard, for any runner whose `expect` takes `expect.extend(...)`
 * and has Jest's async-matcher protocol: `install(expect)` from pg-rls-test/matchers, and the
 * Jest entry. (The Vitest entry hooks chai instead, which sees every assertion object.)
 */
import { abandonPendingStarts, RunnerNotFoundError } from '../src/internal.js';
import { checkAwaited, resetCalls, track } from './_await-guard.js';
import type { MatcherContext } from './_context.js';

/** What install() needs of the runner's expect. */
export interface ExtendableExpect {
  (actual: unknown): unknown;
  extend(matchers: object): void;
  getState?(): { currentTestName?: string | undefined };
}

/** The runner's hooks; by default its globals (Jest, Vitest with globals: true, Bun). */
export interface RunnerHooks {
  beforeEach?: ((fn: () => void) => unknown) | undefined;
  afterEach: (fn: () => void) => unknown;
  afterAll?: ((fn: () => void) => unknown) | undefined;
}

type Then = (onFulfilled?: ((v: unknown) => unknown) | null, onRejected?: ((e: unknown) => unknown) | null) => PromiseLike<unknown>;

/**
 * The await guard at the level of the matcher implementations, so that it holds for any expect
 * object built on them (Jest's global expect and @jest/globals' are different functions). An
 * expect calls an async matcher, chains `.then(processResult)` (Jest adds `.catch(handleError)`)
 * on what it returned, and hands that to the test (Jest's makeThrowingMatcher, Vitest's
 * JestExtend). Each implementation therefore returns a thenable whose `.then(...)` returns one
 * whose `.then` / `.catch` / `.finally` returns the tracked result: the object the test receives.
 * Should an expect chain differently, nothing is tracked: the guard goes quiet, it never fails an
 * awaited matcher.
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

/** Registers `matchers` with `expect`, each guarded, and the hooks that report un-awaited calls. */
export function installWith(matchers: Record<string, unknown>, expect: ExtendableExpect, hooks: RunnerHooks | undefined): void {
  const h = hooks ?? (globalThis as unknown as Partial<RunnerHooks>);
  if (typeof expect !== 'function' || typeof expect.extend !== 'function') throw new TypeError('install(expect) takes the test runner\'s expect (the one with expect.extend)');
  if (typeof h.afterEach !== 'function') {
    throw new RunnerNotFoundError('install(expect) found no afterEach: without it an un-awaited matcher would pass silently', {
      hint: "pass the runner's hooks: install(expect, { beforeEach, afterEach, afterAll }) (imported from your runner, e.g. @jest/globals or vitest)",
    });
  }
  expect.extend(matchers);
  // Vitest (chai) puts the matchers on the assertion prototype and hands back what they return
  // only after its own chaining: the guard wraps the methods there, as the Vitest entry does.
  // Jest builds an object of matchers per expect() call: the guard wraps the implementations.
  const proto = Object.getPrototypeOf(expect(undefined)) as Record<string, unknown> | null;
  const names = Object.keys(matchers);
  if (proto && names.every((n) => typeof proto[n] === 'function')) {
    for (const name of names) {
      const method = proto[name] as (...a: unknown[]) => PromiseLike<unknown>;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        return track(name, method.apply(this, args), { callSite: true });
      };
    }
  } else {
    const wrapped: Record<string, Impl> = {};
    for (const [name, impl] of Object.entries(matchers) as [string, Impl][]) {
      wrapped[name] = function (this: MatcherContext, received: unknown, ...args: unknown[]) {
        return guarded(name, impl.call(this, received, ...args));
      };
    }
    expect.extend(wrapped);
  }
  h.beforeEach?.(() => resetCalls());
  h.afterEach(() => checkAwaited(expect.getState?.().currentTestName));
  // A start still under way when the file ends was cut off by a hook timeout: say which step it was in.
  h.afterAll?.(() => {
    const unfinished = abandonPendingStarts();
    if (unfinished) throw unfinished;
  });
}
