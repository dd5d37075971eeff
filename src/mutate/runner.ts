/** What the mutation run needs from a test runner (vitest-runner.ts, jest-runner.ts). */

export interface TestOutcome {
  id: string;
  name: string;
  /** absolute path of its file */
  file: string;
  passed: boolean;
  durationMs: number;
  error?: string;
}

export interface RunResult {
  tests: TestOutcome[];
  /** errors outside tests (a file that does not load, a failing beforeAll) */
  errors: string[];
  durationMs: number;
  /** per test file: its whole time, hooks included (the clean run's sets the mutants' time limits) */
  fileMs: Map<string, number>;
  timedOut?: boolean;
}

export interface SuiteRunner {
  readonly name: 'vitest' | 'jest';
  /** loads the runner and its config; `setupFile` goes first in the setup files */
  init(setupFile: string, workerEntry: URL): Promise<void>;
  /** all tests (selection undefined), or these test ids per file */
  run(selection: Map<string, string[]> | undefined, options: { bail: boolean; timeoutMs?: number }): Promise<RunResult>;
  close(): Promise<void>;
}
