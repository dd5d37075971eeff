/**
 * The setup file `pg-rls-test mutate` puts first in the user's Vitest projects. In the clean run
 * it records, per test, what the test touched (src/mutate/collector.ts); in a mutant run it does
 * nothing (the mutant itself reaches the databases through createTestDatabase).
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { Collector } from './collector.js';
import { MUTATE_DIR_ENV, readState } from './state.js';

const dir = process.env[MUTATE_DIR_ENV];
const state = dir ? readState(dir) : undefined;

if (dir && state?.mode === 'clean') {
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
