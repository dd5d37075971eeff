/**
 * The setup of `pg-rls-test mutate --runner jest`, put first in the user's setupFilesAfterEnv
 * (through the run folder's setup.cjs, see runner.ts). In the clean run it records, per test,
 * what the test touched (collector.ts); in a mutant run it does nothing. Built as CommonJS: Jest
 * loads it with its own require, in every test file's sandbox.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals';
import { Collector } from './collector.js';
import { jestTestId } from './runner.js';
import { MUTATE_DIR_ENV, readState } from './state.js';

/** Registers the clean run's coverage hooks in the test file being loaded now. */
export function install(): void {
  const dir = process.env[MUTATE_DIR_ENV];
  if (!dir || readState(dir)?.mode !== 'clean') return;
  let collector: Collector | undefined;
  let file = '';
  beforeAll(() => {
    file = expect.getState().testPath ?? '(unknown file)';
    collector = new Collector(dir, file);
  });
  beforeEach(() => {
    const name = expect.getState().currentTestName ?? '';
    collector?.begin(jestTestId(process.cwd(), file, name), name);
  });
  afterEach(() => {
    collector?.end();
  });
  afterAll(() => {
    collector?.flush();
    collector = undefined;
  });
}

