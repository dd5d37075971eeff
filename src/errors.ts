/**
 * Error classes. Two families:
 * - `PgRlsTestError` and its subclasses: the library (or its input) is at fault; each has a
 *   stable `code` (`ERR_PGRLS_*`) to switch on, and a `hint` saying what to do.
 * - `DataApiError`: the emulated Data API's own answer to a request (a JWT rejected, a
 *   Postgres error such as 42501). Its `code` is the API's (`PGRST301`, `42501`, ...).
 */

import { brand } from './brands.js';

export type PgRlsTestErrorCode =
  | 'ERR_PGRLS_BACKEND_UNAVAILABLE'
  | 'ERR_PGRLS_RLS_BYPASS'
  | 'ERR_PGRLS_UNKNOWN_TABLE'
  | 'ERR_PGRLS_UNKNOWN_COLUMN'
  | 'ERR_PGRLS_UNKNOWN_ROLE'
  | 'ERR_PGRLS_UNKNOWN_OBJECT'
  | 'ERR_PGRLS_INVALID_SUBJECT'
  | 'ERR_PGRLS_MIGRATION_FAILED'
  | 'ERR_PGRLS_SEED_FAILED'
  | 'ERR_PGRLS_SIGN_UP_FAILED'
  | 'ERR_PGRLS_RESET_UNSUPPORTED'
  | 'ERR_PGRLS_DATABASE_CLOSED'
  | 'ERR_PGRLS_INVALID_TOKEN'
  | 'ERR_PGRLS_RUNNER_NOT_FOUND'
  | 'ERR_PGRLS_MATCHER_NOT_AWAITED'
  | 'ERR_PGRLS_START_UNFINISHED'
  | 'ERR_PGRLS_MUTANT_INVALID'
  | 'ERR_PGRLS_MUTATE_FAILED';

export class PgRlsTestError extends Error {
  static {
    brand(this, 'PgRlsTestError');
  }
  static code: PgRlsTestErrorCode = 'ERR_PGRLS_INVALID_SUBJECT';
  code: PgRlsTestErrorCode;
  /** What to do about it, as a sentence; kept out of `message` so messages stay short. */
  hint?: string;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = this.constructor.name;
    this.code = (this.constructor as typeof PgRlsTestError).code;
    if (options.hint) this.hint = options.hint;
    Error.captureStackTrace?.(this, this.constructor);
  }

  /** Message plus hint, for printing. */
  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}${this.hint ? `\nhint: ${this.hint}` : ''}`;
  }
}

/** No container runtime, an optional package missing, a server that cannot be reached. */
export class BackendUnavailableError extends PgRlsTestError {
  static {
    brand(this, 'BackendUnavailableError');
  }
  static override code = 'ERR_PGRLS_BACKEND_UNAVAILABLE' as const;
  declare code: 'ERR_PGRLS_BACKEND_UNAVAILABLE';
}

/** The role requests run as would bypass row level security, so every RLS test would pass. */
export class RlsBypassError extends PgRlsTestError {
  static {
    brand(this, 'RlsBypassError');
  }
  static override code = 'ERR_PGRLS_RLS_BYPASS' as const;
  declare code: 'ERR_PGRLS_RLS_BYPASS';
  role: string;
  reason: 'superuser' | 'bypassrls' | 'owner';
  table?: string;
  constructor(message: string, data: { role: string; reason: 'superuser' | 'bypassrls' | 'owner'; table?: string; hint: string }) {
    super(message, { hint: data.hint });
    this.role = data.role;
    this.reason = data.reason;
    if (data.table) this.table = data.table;
  }
}

/** A name that does not resolve, with the closest existing names. */
class UnknownNameError extends PgRlsTestError {
  name_: string;
  candidates: string[];
  constructor(what: string, name: string, candidates: string[], hint?: string) {
    const close = candidates.length ? `; did you mean ${candidates.map((c) => `"${c}"`).join(', ')}?` : '';
    super(`${what} "${name}" does not exist${close}`, { hint });
    this.name_ = name;
    this.candidates = candidates;
  }
}

export class UnknownTableError extends UnknownNameError {
  static {
    brand(this, 'UnknownTableError');
  }
  static override code = 'ERR_PGRLS_UNKNOWN_TABLE' as const;
  declare code: 'ERR_PGRLS_UNKNOWN_TABLE';
  constructor(name: string, candidates: string[]) {
    super('table', name, candidates, 'check the name and schema (write "schema.table" for tables outside public), and that the migration creating it ran');
  }
}

export class UnknownColumnError extends UnknownNameError {
  static {
    brand(this, 'UnknownColumnError');
  }
  static override code = 'ERR_PGRLS_UNKNOWN_COLUMN' as const;
  declare code: 'ERR_PGRLS_UNKNOWN_COLUMN';
  constructor(table: string, name: string, candidates: string[]) {
    super(`column of ${table}`, name, candidates);
  }
}

export class UnknownRoleError extends UnknownNameError {
  static {
    brand(this, 'UnknownRoleError');
  }
  static override code = 'ERR_PGRLS_UNKNOWN_ROLE' as const;
  declare code: 'ERR_PGRLS_UNKNOWN_ROLE';
  constructor(name: string, candidates: string[]) {
    super('role', name, candidates, `create it (CREATE ROLE "${name}" NOLOGIN;) in a migration, or use an existing role`);
  }
}

/** A function signature, schema or sequence that does not exist. */
export class UnknownObjectError extends UnknownNameError {
  static {
    brand(this, 'UnknownObjectError');
  }
  static override code = 'ERR_PGRLS_UNKNOWN_OBJECT' as const;
  declare code: 'ERR_PGRLS_UNKNOWN_OBJECT';
  kind: string;
  constructor(kind: 'function' | 'schema' | 'sequence' | 'column', name: string, candidates: string[], hint?: string) {
    super(kind, name, candidates, hint);
    this.kind = kind;
  }
}

/** Something that is not what a matcher or method expects (a Promise, a plain string, ...). */
export class InvalidSubjectError extends PgRlsTestError {
  static {
    brand(this, 'InvalidSubjectError');
  }
  static override code = 'ERR_PGRLS_INVALID_SUBJECT' as const;
  declare code: 'ERR_PGRLS_INVALID_SUBJECT';
}

export class MigrationFailedError extends PgRlsTestError {
  static {
    brand(this, 'MigrationFailedError');
  }
  static override code = 'ERR_PGRLS_MIGRATION_FAILED' as const;
  declare code: 'ERR_PGRLS_MIGRATION_FAILED';
  file: string;
  line?: number;
  sqlState?: string;
  constructor(data: { file: string; line?: number | undefined; sqlState?: string | undefined; message: string; hint?: string; cause: unknown }) {
    const where = data.line ? `${data.file}:${data.line}` : data.file;
    super(`migration ${where} failed: ${data.message}${data.sqlState ? ` (SQLSTATE ${data.sqlState})` : ''}`, {
      cause: data.cause,
      hint: data.hint ?? 'fix the statement at that line; migrations are applied in file-name order, then the inline `sql` option',
    });
    this.file = data.file;
    if (data.line) this.line = data.line;
    if (data.sqlState) this.sqlState = data.sqlState;
  }
}

export class SeedFailedError extends PgRlsTestError {
  static {
    brand(this, 'SeedFailedError');
  }
  static override code = 'ERR_PGRLS_SEED_FAILED' as const;
  declare code: 'ERR_PGRLS_SEED_FAILED';
}

/**
 * Creating the auth service's record of a db.user() user failed (Supabase: the auth.users
 * insert, usually a trigger on it). Supabase Auth answers the same sign-up with "Database error
 * saving new user".
 */
export class SignUpFailedError extends PgRlsTestError {
  static {
    brand(this, 'SignUpFailedError');
  }
  static override code = 'ERR_PGRLS_SIGN_UP_FAILED' as const;
  declare code: 'ERR_PGRLS_SIGN_UP_FAILED';
  /** the users whose sign-up failed (db.user() names) */
  users: string[];
  sqlState?: string;
  constructor(message: string, data: { users: string[]; sqlState?: string | undefined; hint: string; cause: unknown }) {
    super(message, { hint: data.hint, cause: data.cause });
    this.users = data.users;
    if (data.sqlState) this.sqlState = data.sqlState;
  }
}

export class ResetUnsupportedError extends PgRlsTestError {
  static {
    brand(this, 'ResetUnsupportedError');
  }
  static override code = 'ERR_PGRLS_RESET_UNSUPPORTED' as const;
  declare code: 'ERR_PGRLS_RESET_UNSUPPORTED';
}

export class DatabaseClosedError extends PgRlsTestError {
  static {
    brand(this, 'DatabaseClosedError');
  }
  static override code = 'ERR_PGRLS_DATABASE_CLOSED' as const;
  declare code: 'ERR_PGRLS_DATABASE_CLOSED';
  constructor(what: string) {
    super(`${what}: the test database is closed`, { hint: 'close() the database in afterAll, after the last test that uses it' });
  }
}

/** A JWT that cannot be used where a requester is expected (not a string, not three parts). */
export class InvalidTokenError extends PgRlsTestError {
  static {
    brand(this, 'InvalidTokenError');
  }
  static override code = 'ERR_PGRLS_INVALID_TOKEN' as const;
  declare code: 'ERR_PGRLS_INVALID_TOKEN';
}

export class RunnerNotFoundError extends PgRlsTestError {
  static {
    brand(this, 'RunnerNotFoundError');
  }
  static override code = 'ERR_PGRLS_RUNNER_NOT_FOUND' as const;
  declare code: 'ERR_PGRLS_RUNNER_NOT_FOUND';
}

export class MatcherNotAwaitedError extends PgRlsTestError {
  static {
    brand(this, 'MatcherNotAwaitedError');
  }
  static override code = 'ERR_PGRLS_MATCHER_NOT_AWAITED' as const;
  declare code: 'ERR_PGRLS_MATCHER_NOT_AWAITED';
}

/**
 * A test file ended while createTestDatabase() was still starting: the hook awaiting it timed
 * out (Jest 5 s, Vitest 10 s by default). Says which step it was in and for how long.
 */
export class StartUnfinishedError extends PgRlsTestError {
  static {
    brand(this, 'StartUnfinishedError');
  }
  static override code = 'ERR_PGRLS_START_UNFINISHED' as const;
  declare code: 'ERR_PGRLS_START_UNFINISHED';
  /** what the start was doing when the file ended */
  phase: string;
  /** how long it had been running, in ms */
  elapsedMs: number;
  constructor(phase: string, elapsedMs: number, more: number) {
    const others = more > 0 ? ` (and ${more} more start${more === 1 ? '' : 's'})` : '';
    super(
      `createTestDatabase() had not finished when the test file ended${others}: after ${(elapsedMs / 1000).toFixed(1)} s it was still ${phase}, and the hook awaiting it had timed out ` +
        '(a first start builds the prepared database: migrations and seed; later starts unpack it from the cache). ' +
        'Runners print no hint, so here it is: build it before the tests with `npx pg-rls-test prepare` or a globalSetup (README: "The first run"), or give the hook more time',
      {
        hint: 'build it before the tests are timed: `npx pg-rls-test prepare --migrations <folder>`, or a globalSetup that calls prepareTestDatabase(options) (README: "The first run"); or give the hook more time: beforeAll(fn, 30_000)',
      },
    );
    this.phase = phase;
    this.elapsedMs = elapsedMs;
  }
}

/** `pg-rls-test mutate`: the database refused a mutant's SQL (reported as Stryker's CompileError). */
export class MutantInvalidError extends PgRlsTestError {
  static {
    brand(this, 'MutantInvalidError');
  }
  static override code = 'ERR_PGRLS_MUTANT_INVALID' as const;
  declare code: 'ERR_PGRLS_MUTANT_INVALID';
  mutantId: string;
  constructor(mutantId: string, message: string, cause?: unknown) {
    super(`mutant ${mutantId} cannot be applied: ${message}`, { cause, hint: 'report it: the operators should make only SQL the database accepts (it is counted as invalid, not as killed)' });
    this.mutantId = mutantId;
  }
}

/** `pg-rls-test mutate` cannot run: no test runner, a red clean run, no database created. */
export class MutateFailedError extends PgRlsTestError {
  static {
    brand(this, 'MutateFailedError');
  }
  static override code = 'ERR_PGRLS_MUTATE_FAILED' as const;
  declare code: 'ERR_PGRLS_MUTATE_FAILED';
  /** the tests that failed on the unmutated schema, when that is why */
  failingTests: string[];
  constructor(message: string, options: { hint?: string; cause?: unknown; failingTests?: string[] } = {}) {
    super(message, options);
    this.failingTests = options.failingTests ?? [];
  }
}

export type AnyPgRlsTestError =
  | BackendUnavailableError
  | RlsBypassError
  | UnknownTableError
  | UnknownColumnError
  | UnknownRoleError
  | UnknownObjectError
  | InvalidSubjectError
  | MigrationFailedError
  | SeedFailedError
  | SignUpFailedError
  | ResetUnsupportedError
  | DatabaseClosedError
  | InvalidTokenError
  | RunnerNotFoundError
  | MatcherNotAwaitedError
  | StartUnfinishedError
  | MutantInvalidError
  | MutateFailedError;

/**
 * The Data API's answer to a failed request, in its own words: `{ code, message, detail, hint }`
 * plus the HTTP `status` it would send. Postgres errors keep their SQLSTATE as `code`.
 */
export class DataApiError extends Error {
  static {
    brand(this, 'DataApiError');
  }
  status: number;
  code: string;
  detail: string | null;
  hint: string | null;
  constructor(data: { status: number; code: string; message: string; detail?: string | null; hint?: string | null; cause?: unknown }) {
    super(data.message, data.cause === undefined ? undefined : { cause: data.cause });
    this.name = 'DataApiError';
    this.status = data.status;
    this.code = data.code;
    this.detail = data.detail ?? null;
    this.hint = data.hint ?? null;
  }
  /** The JSON body the Data API sends. */
  toJSON(): { code: string; message: string; detail: string | null; hint: string | null } {
    return { code: this.code, message: this.message, detail: this.detail, hint: this.hint };
  }
}
