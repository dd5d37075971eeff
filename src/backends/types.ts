/** What every backend offers: one connection, scripts and single statements, reset, close. */
import { MutantInvalidError } from '../errors.js';

export type BackendKind = 'embedded' | 'url' | 'testcontainers' | 'native';

export type Row = Record<string, unknown>;

export interface Result {
  rows: Row[];
  rowCount: number;
  fields: string[];
}

/** One connection's worth of SQL; calls on it must not interleave with other users. */
export interface Connection {
  /** Several statements as one simple-protocol message (one round trip); a result per statement. */
  exec(script: string): Promise<Result[]>;
  /** One statement with bind parameters. */
  query(sql: string, params?: unknown[]): Promise<Result>;
}

export interface Backend extends Connection {
  readonly kind: BackendKind;
  /** e.g. "embedded PGlite 0.5.16 (PostgreSQL 18.1)" or "postgres://127.0.0.1:5432/pgrls_x" */
  readonly description: string;
  /** Whether `commit` is real: false for a `url` database used as it is. */
  readonly commits: boolean;
  /** Several calls with the connection to oneself (a transaction, a request with parameters). */
  exclusive<T>(fn: (conn: Connection) => Promise<T>): Promise<T>;
  /** Record that something was committed, so the next reset() has work to do. */
  markDirty(): void;
  /** Back to the state right after preset, migrations and seed. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** What the database module asks a backend to run once, after creating an empty database. */
export interface Setup {
  /** Preset SQL (roles, auth stub, grants): cacheable on its own, it changes rarely. */
  base(conn: Connection): Promise<void>;
  /** Migrations, inline SQL and seed (`backend` names where they run, for error messages). */
  rest(conn: Connection, backend: BackendKind): Promise<void>;
  /** Extensions the preset and the SQL create: the embedded backend loads them before it starts. */
  extensions: string[];
  /** Hashes of what base() and base()+rest() do; equal keys mean an equal database. */
  baseKey: string;
  fullKey: string;
  /** What builds it, in words, for the cache listing: preset, migration files and inline SQL, seed. */
  summary: SetupSummary;
  /** `pg-rls-test mutate`: a mutant applied after rest() (and again after each reset()); never cached. */
  mutation?: AppliedMutation | undefined;
}

export interface SetupSummary {
  preset: string;
  sources: string[];
  seed: boolean;
}

/** A mutant's SQL, as the test worker receives it from the mutation runner. */
export interface AppliedMutation {
  id: string;
  apply: string;
  undo: string;
}

/** Applies (or undoes) a mutant in one transaction: refused SQL leaves the database as it was. */
export async function applyMutation(conn: Connection, mutation: AppliedMutation, direction: 'apply' | 'undo' = 'apply'): Promise<void> {
  try {
    await conn.exec(`BEGIN; ${mutation[direction]}; COMMIT`);
  } catch (cause) {
    await conn.exec('ROLLBACK').catch(() => undefined);
    const pg = postgresError(cause);
    if (!pg) throw cause;
    throw new MutantInvalidError(mutation.id, direction === 'apply' ? pg.message : `its undo failed: ${pg.message}`, cause);
  }
}

/** The fields both drivers give a Postgres error. */
export interface PostgresErrorFields {
  code: string;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  position?: string | undefined;
  table?: string | undefined;
}

export function postgresError(e: unknown): PostgresErrorFields | undefined {
  if (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((e as { code: string }).code)) {
    return e as PostgresErrorFields;
  }
  return undefined;
}

/** A FIFO lock: the one connection serves one unit of work at a time. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/** When the event loop last had a turn (see yieldNow). */
let lastTurn = performance.now();
const TURN_MS = 50;

/**
 * PGlite answers without real I/O, so a loop of requests or resets resolves promise after
 * promise and the event loop never turns: no timer (a runner's timeout) and no signal handler
 * (Ctrl-C, which then does nothing) runs. Every 50 ms a call waits for one turn of the loop;
 * in between it costs a clock read.
 */
function yieldNow(): Promise<void> {
  const now = performance.now();
  if (now - lastTurn < TURN_MS) return Promise.resolve();
  return new Promise((resolve) =>
    setImmediate(() => {
      lastTurn = performance.now();
      resolve();
    }),
  );
}

/**
 * A backend that owns one connection: every call takes its turn (Mutex), and the subclass
 * swaps the connection in reset() and ends it in close(), inside serially().
 */
export abstract class SerialBackend<C extends Connection> {
  protected conn: C;
  protected dirty = false;
  #mutex = new Mutex();

  protected constructor(conn: C) {
    this.conn = conn;
  }

  protected serially<T>(fn: () => Promise<T>): Promise<T> {
    return this.#mutex.run(() => yieldNow().then(fn));
  }

  exec(script: string): Promise<Result[]> {
    return this.serially(() => this.conn.exec(script));
  }
  query(sql: string, params?: unknown[]): Promise<Result> {
    return this.serially(() => this.conn.query(sql, params));
  }
  exclusive<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    return this.serially(() => fn(this.conn));
  }
  markDirty(): void {
    this.dirty = true;
  }
}
