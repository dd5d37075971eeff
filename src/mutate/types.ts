/** The shapes of a mutation run: operators, mutants, statuses, options and the report. */
import type { Locator } from '../sql/locate.js';

export const OPERATORS = [
  'rls_disabled',
  'force_removed',
  'policy_dropped',
  'using_true',
  'check_true',
  'roles_widened',
  'restrictive_to_permissive',
  'command_widened',
  'conjunct_dropped',
  'null_identity_admitted',
  'privilege_revoked',
  'privilege_granted',
  'security_invoker_removed',
  'definer_search_path_removed',
] as const;

export type Operator = (typeof OPERATORS)[number];

/** Stryker's statuses (mutation-testing-report-schema). */
export type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'Ignored' | 'Pending';

/** Where the statement that made the mutated object is, to find it in migration files. */
export type { Locator };

/** A mutant as the operators make it from one database's catalog. */
export interface MutantSpec {
  mutatorName: Operator;
  /** what is mutated, named as the audit names objects: 'public.posts', 'public.posts "owner reads"', 'public.f(text)', 'public' */
  object: string;
  /** a sentence naming the object and the change */
  description: string;
  /** the SQL that makes the mutant */
  replacement: string;
  /** the SQL that puts the original back (a pooled database is reused for the next mutant) */
  undo: string;
  /** coverage keys: a test that touched one of them (directly or through a policy, view, default or function) covers it */
  covers: string[];
  /** when set, the test must also have acted as one of these roles (privilege mutants) */
  roles?: string[];
  locate: Locator;
  /** an assertion that would kill it */
  suggestion: string;
}

/** A mutant of the run: the spec, the databases (setups) it applies to, and what became of it. */
export interface Mutant extends MutantSpec {
  id: string;
  /** setup keys of the databases that hold the object as it was mutated */
  setups: string[];
  status: MutantStatus;
  /** ids of the tests that failed (Killed) */
  killedBy: string[];
  /** ids of the tests that were run for it (covering it) */
  coveredBy: string[];
  /** why: the database's error (CompileError), the waiver's reason (Ignored), the time limit (Timeout) */
  statusReason?: string;
  /** where it was made: a file of the report and a 1-based range */
  location?: { file: string; start: { line: number; column: number }; end: { line: number; column: number } };
  durationMs?: number;
}

/** A mutant waived on purpose: `{ check: 'force_removed', object: 'public.posts', reason: '...' }` (the audit's waiver format). */
export interface MutantWaiver {
  check: string;
  object: string;
  reason?: string;
}

export interface MutateOptions {
  /** the project folder (default: process.cwd()) */
  cwd?: string;
  /** the test runner's config file (default: the runner's own lookup) */
  config?: string;
  /** default: jest for a Jest config (a config file named jest*, or a folder with jest.config.* and no Vitest config), else vitest */
  runner?: 'vitest' | 'jest';
  /** only these operators */
  operators?: Operator[];
  /** only mutants of these tables ('public.posts' or 'posts') */
  tables?: string[];
  /** mutants accepted on purpose, or a JSON file of them */
  ignore?: MutantWaiver[] | string;
  /** run the i-th of n parts of the mutants (1-based) */
  shard?: { index: number; count: number } | string;
  /** a mutant run may take this many times its tests' clean time, plus 5 s (default 3) */
  timeoutFactor?: number;
  /** progress as it goes (a line per event) */
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { kind: 'clean-run'; tests: number }
  | { kind: 'mutants'; total: number; skipped: number }
  | { kind: 'mutant'; mutant: Mutant; done: number; total: number; counts: Counts };

export interface Counts {
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  compileError: number;
  ignored: number;
}

export interface TestInfo {
  id: string;
  name: string;
  file: string;
}

export interface SourceFile {
  /** relative to the project folder, or a generated name */
  name: string;
  source: string;
}

/** What `mutate()` resolves to; the JSON report (`toJson`) is built from it. */
export interface MutationResult {
  mutants: Mutant[];
  /** mutants not made because they could not change anything, per operator */
  skipped: Partial<Record<Operator, number>>;
  /** waivers that match no mutant of any operator or table (stale, or a typo) */
  unusedWaivers: MutantWaiver[];
  counts: Counts;
  /** Stryker's score, in percent: (killed + timeout) / (killed + timeout + survived + no coverage); NaN with nothing to score */
  score: number;
  files: SourceFile[];
  tests: TestInfo[];
  /** the clean run's wall time and the whole run's, in ms */
  cleanRunMs: number;
  durationMs: number;
  /** the mutants actually run (neither NoCoverage, Ignored nor CompileError before a run) */
  mutantsRun: number;
  runner: 'vitest' | 'jest';
  /** set when this is one part of a sharded run */
  shard?: { index: number; count: number };
  /** which schemas and roles were mutated */
  schemas: string[];
}
