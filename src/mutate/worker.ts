/**
 * The test worker's side of `pg-rls-test mutate`, used by createTestDatabase() only when the
 * runner set PG_RLS_TEST_MUTATE_DIR (so a normal test run never loads it).
 *
 * The runner writes `state.json` in that folder before each run: the clean run, or one mutant
 * with the setups (databases) it applies to. A setup is named by the hash of what built it
 * (preset, migrations, inline SQL, seed, backend), as the embedded cache names it.
 * - clean run: each new setup's catalog facts are written to `setups/<key>.json` (the runner
 *   makes the mutants from them);
 * - mutant run: a database of a listed setup gets the mutant after its seed; one of another
 *   setup is left alone; SQL the database refuses is written to `invalid/<id>.json`.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppliedMutation, Backend, BackendKind, Setup } from '../backends/types.js';
import { hashOf } from '../backends/cache.js';
import { currentTestFile } from '../coverage.js';
import { MutantInvalidError } from '../errors.js';
import type { SqlSource } from '../migrations.js';
import type { Preset } from '../presets/neon.js';
import { DEFAULT_SCHEMAS } from '../audit/index.js';
import { readMutationFacts, type MutationFacts } from './facts.js';

import { MUTATE_DIR_ENV, readState } from './state.js';

export { MUTATE_DIR_ENV, readState, type RunState } from './state.js';

/** What the runner reads from a clean run: one database setup and its catalog. */
export interface SetupRecord {
  key: string;
  backend: BackendKind;
  preset: Preset['name'];
  /** the preset's identity expression: auth.user_id() (Neon), auth.uid() (Supabase) */
  identity: string;
  /** the test file that created it */
  testFile: string | undefined;
  sources: SqlSource[];
  facts: MutationFacts;
}

export interface WorkerMutation {
  /** the mutant for this database, if it applies */
  mutation: AppliedMutation | undefined;
  run: number;
  /** keep embedded databases open between runs (see RunState.keepWarm) */
  keepWarm: boolean;
  /** after the backend started: the clean run records the setup's facts */
  started(backend: Backend): Promise<void>;
  /** a start that failed: a refused mutant is written down for the runner */
  failed(error: unknown): void;
}

/** Writes a file whole or not at all (the runner may read while a worker writes). */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The mutation state for a database being created, or undefined outside a mutation run. */
export function mutationFor(setup: Setup, backend: BackendKind, preset: Preset, sources: SqlSource[], existing: boolean): WorkerMutation | undefined {
  const dir = process.env[MUTATE_DIR_ENV];
  if (!dir || existing) return undefined;
  const state = readState(dir);
  if (!state) return undefined;
  const key = hashOf(setup.baseKey, setup.fullKey, backend);
  const mutant = state.mode === 'mutant' && state.mutant?.setups.includes(key) ? state.mutant : undefined;
  return {
    mutation: mutant ? { id: mutant.id, apply: mutant.apply, undo: mutant.undo } : undefined,
    run: state.run,
    keepWarm: state.keepWarm,
    started: async (b) => {
      if (state.mode !== 'clean') return;
      const file = join(dir, 'setups', `${key}.json`);
      if (existsSync(file)) return;
      const apiRoles = { authenticated: preset.authenticatedRole, anonymous: preset.anonymousRole };
      const facts = await b.exclusive((conn) => readMutationFacts(conn, { schemas: DEFAULT_SCHEMAS, apiRoles }));
      const record: SetupRecord = { key, backend, preset: preset.name, identity: preset.identity ?? 'auth.user_id()', testFile: currentTestFile(), sources, facts };
      mkdirSync(join(dir, 'setups'), { recursive: true });
      writeAtomic(file, JSON.stringify(record));
    },
    failed: (error) => {
      if (!(error instanceof MutantInvalidError)) return;
      mkdirSync(join(dir, 'invalid'), { recursive: true });
      writeAtomic(join(dir, 'invalid', `${error.mutantId}.json`), JSON.stringify({ id: error.mutantId, message: error.message }));
    },
  };
}
