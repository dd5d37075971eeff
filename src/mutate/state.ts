/**
 * The run's state, as the runner writes it before each run and the test workers read it
 * (`$PG_RLS_TEST_MUTATE_DIR/state.json`). Kept free of imports: the setup file bundles it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MUTATE_DIR_ENV = 'PG_RLS_TEST_MUTATE_DIR';

export interface RunState {
  run: number;
  mode: 'clean' | 'mutant';
  /**
   * whether embedded databases stay open from one run to the next (EmbeddedOptions.keepWarm):
   * Vitest's persistent worker keeps its globals; Jest gives every test file a new global object,
   * where a kept database would only leak
   */
  keepWarm: boolean;
  mutant?: { id: string; apply: string; undo: string; setups: string[] };
}

export function readState(dir: string): RunState | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as RunState;
  } catch {
    return undefined;
  }
}
