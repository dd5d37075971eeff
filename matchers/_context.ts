/** The `this` that Vitest and Jest give a matcher, reduced to what ours use. */
export interface MatcherUtils {
  matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean; promise?: string; secondArgument?: string }): string;
  printExpected(value: unknown): string;
  printReceived(value: unknown): string;
}

export interface MatcherContext {
  isNot: boolean;
  promise?: string | undefined;
  utils: MatcherUtils;
}

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}
