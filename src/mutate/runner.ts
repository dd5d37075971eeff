/** What the mutation run needs from a test runner (vitest-runner.ts, jest-runner.ts). */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where a runner works: the project, its config, and the run's folder (state, records). */
export interface RunnerOptions {
  cwd: string;
  config: string | undefined;
  dir: string;
}

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
  /** loads the runner and the user's config, with the mutation run's setup file put first */
  init(): Promise<void>;
  /** all tests (selection undefined), or these test ids per file */
  run(selection: Map<string, string[]> | undefined, options: { bail: boolean; timeoutMs?: number }): Promise<RunResult>;
  close(): Promise<void>;
}

/** A module built beside this one (dist/), e.g. what a runner loads in its test workers. */
export function builtFile(name: string): URL {
  return new URL(`./${name}`, import.meta.url);
}

/**
 * Writes the setup file a runner puts first in the user's setup files: it calls `install()` of
 * the built module `name`. It lives in the run's folder, not in node_modules, because runners
 * evaluate a module from node_modules once per worker while they re-run a setup file for every
 * test file (Vitest with isolate: false); the hooks must be registered in every file.
 */
export function writeSetupFile(dir: string, name: string, format: 'esm' | 'cjs'): string {
  const target = builtFile(name);
  const file = join(dir, format === 'esm' ? 'setup.mjs' : 'setup.cjs');
  const text =
    format === 'esm'
      ? `import { install } from ${JSON.stringify(target.href)};\ninstall();\n`
      : `require(${JSON.stringify(target.pathname)}).install();\n`;
  writeFileSync(file, text);
  return file;
}

/** A Jest test's id in the report: its file (relative to the project) and its full name. */
export function jestTestId(cwd: string, file: string, fullName: string): string {
  return `${relative(cwd, file)}#${fullName}`;
}

/** `work`'s value, or 'timeout' when it takes longer than `ms` (no limit when undefined). */
export async function withinTime<T>(work: Promise<T>, ms: number | undefined): Promise<T | 'timeout'> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}
