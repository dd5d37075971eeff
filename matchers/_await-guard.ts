/**
 * An async matcher that is not awaited passes silently: the test ends before its promise
 * settles. Each call is wrapped in a thenable that notes when it is awaited (then/catch/finally);
 * after each test, any call never awaited fails the test with MatcherNotAwaitedError.
 */
import { MatcherNotAwaitedError } from '../src/internal.js';

interface Call {
  matcher: string;
  awaited: boolean;
  /** where the matcher was called; V8 formats .stack only when read, so keeping the Error is cheap */
  origin: Error;
}

const calls: Call[] = [];

/**
 * `callSite`: a rejection's stack gets the frames of the call (the test's line among them).
 * Vitest makes a failing async matcher's error in a `.then` callback, so its stack has no frame of
 * the test and the report shows no file and line; Jest gives the error the call's stack itself.
 */
export function track<T>(matcher: string, result: PromiseLike<T>, options: { callSite?: boolean } = {}): PromiseLike<T> {
  const call: Call = { matcher, awaited: false, origin: new Error() };
  calls.push(call);
  const settled = Promise.resolve(result);
  const promise = options.callSite ? settled.catch((e: unknown) => Promise.reject(withCallSite(e, call.origin))) : settled;
  promise.catch(() => undefined); // reported by the guard instead of as an unhandled rejection
  return {
    then(onFulfilled, onRejected) {
      call.awaited = true;
      return promise.then(onFulfilled, onRejected);
    },
    catch(onRejected: (e: unknown) => unknown) {
      call.awaited = true;
      return promise.catch(onRejected);
    },
    finally(onFinally: () => void) {
      call.awaited = true;
      return promise.finally(onFinally);
    },
    [Symbol.toStringTag]: 'Promise',
  } as PromiseLike<T>;
}

/**
 * `e` with the frames of `origin` below its own, from the caller of the matcher's wrapper on (a
 * runner shows the code of the first frame in a module it loaded: the wrapper's is one).
 */
function withCallSite(e: unknown, origin: Error): unknown {
  if (e instanceof Error && typeof e.stack === 'string' && origin.stack) e.stack += `\n${origin.stack.split('\n').slice(3).join('\n')}`;
  return e;
}

/** Called after each test: throws when a call of this test was never awaited. */
export function checkAwaited(testName: string | undefined): void {
  const missed = calls.filter((c) => !c.awaited);
  calls.length = 0;
  if (missed.length === 0) return;
  const names = [...new Set(missed.map((c) => `${c.matcher}()`))].join(', ');
  const err = new MatcherNotAwaitedError(
    `${names} was not awaited${testName ? ` in "${testName}"` : ''}: the assertion ran after the test ended, so its result was lost`,
    { hint: 'write await expect(...).matcher(...); the lint rules @typescript-eslint/no-floating-promises and vitest/valid-expect catch this' },
  );
  err.stack = `${err.name}: ${err.message}\n${missed[0]!.origin.stack?.split('\n').slice(3, 6).join('\n') ?? ''}`;
  throw err;
}

export function resetCalls(): void {
  calls.length = 0;
}
