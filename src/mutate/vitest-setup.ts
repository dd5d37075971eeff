/**
 * The setup of `pg-rls-test mutate` in the user's Vitest projects. In the clean run it records,
 * per test, what the test touched (src/mutate/collector.ts); in a mutant run it does nothing
 * (the mutant itself reaches the databases through createTestDatabase).
 *
 * Vitest runs a setup file before each test file, but with `isolate: false` (a mutation run's
 * one worker) a module it imports is evaluated once: from node_modules, this module would
 * register its hooks in the first test file only. So the runner writes a small setup file into
 * the run's folder (outside node_modules: Vitest re-runs it for every file) that calls install().
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { Collector } from './collector.js';
import { MUTATE_DIR_ENV, readState } from './state.js';

/** Registers the clean run's coverage hooks in the test file being collected now. */
export function install(): void {
  const dir = process.env[MUTATE_DIR_ENV];
  if (!dir || readState(dir)?.mode !== 'clean') return;
  let collector: Collector | undefined;
  beforeAll(() => {
    // (the hook's own arguments changed between Vitest 3 and 4.1; the expect state did not)
    collector = new Collector(dir, expect.getState().testPath ?? '(unknown file)');
  });
  beforeEach(({ task }) => {
    collector?.begin(task.id, fullName(task));
  });
  afterEach(() => {
    collector?.end();
  });
  afterAll(() => {
    collector?.flush();
    collector = undefined;
  });
}

function fullName(task: { name: string; suite?: { name: string; suite?: unknown } }): string {
  const parts = [task.name];
  for (let s = task.suite as { name: string; suite?: unknown } | undefined; s; s = s.suite as typeof s) if (s.name) parts.unshift(s.name);
  return parts.join(' > ');
}
