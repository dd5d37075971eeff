/**
 * Users of db.user() as the platform's auth service stores them (Supabase: rows of auth.users).
 * db.user() is synchronous, so a new user is only queued; the queue is written, committed, before
 * the next thing the database does (a request, an owner query, a matcher, the audit), so that
 * seed rows referencing the user and triggers on sign-up see them. reset() goes back to the
 * state after migrations and seed, which has no such rows: every known user is queued again and
 * signs up again (their triggers run again). Sign-ups do not make reset() necessary: they are
 * part of the state reset() restores, not a change to undo.
 */
import { postgresError, type Backend, type Connection, type Result } from '../backends/types.js';
import { SignUpFailedError } from '../errors.js';
import type { Account, AccountSetup } from '../presets/neon.js';
import type { User } from './requesters.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Accounts {
  #setup: AccountSetup;
  #known = new Map<string, User>();
  #pending = new Map<string, User>();
  #flushing: Promise<void> | undefined;

  constructor(setup: AccountSetup) {
    this.#setup = setup;
  }

  /** Queues a user's sign-up; users without a uuid sub, or running as a skipped role, have no account. */
  add(user: User): void {
    if (user.sub === null || !UUID.test(user.sub) || this.#setup.skipRoles.includes(user.role)) return;
    this.#known.set(user.name, user);
    this.#pending.set(user.name, user);
  }

  /** After a restore: every known user signs up again. */
  requeueAll(): void {
    for (const [name, user] of this.#known) this.#pending.set(name, user);
  }

  /** Writes the queued accounts (once, whoever asks first); every caller waits for it. */
  async ensure(backend: Backend): Promise<void> {
    while (this.#pending.size > 0 || this.#flushing) {
      if (!this.#flushing) {
        const batch = [...this.#pending.values()];
        this.#pending.clear();
        this.#flushing = backend
          .exclusive((conn) => this.#setup.signUp(conn, batch.map(account)))
          .catch((cause: unknown) => {
            for (const u of batch) if (!this.#pending.has(u.name)) this.#pending.set(u.name, u);
            throw this.#failure(batch, cause);
          })
          .finally(() => {
            this.#flushing = undefined;
          });
      }
      await this.#flushing;
    }
  }

  #failure(batch: User[], cause: unknown): unknown {
    const pg = postgresError(cause);
    if (!pg) return cause;
    const where = (cause as { where?: unknown }).where;
    const names = batch.map((u) => u.name).join(', ');
    const context = typeof where === 'string' && where ? `, in ${where.split('\n')[0]}` : '';
    return new SignUpFailedError(
      `the sign-up of ${names} failed: ${this.#setup.who} could not create their account: ${pg.message} (SQLSTATE ${pg.code})${context}`,
      {
        users: batch.map((u) => u.name),
        sqlState: pg.code,
        cause,
        hint: this.#setup.hint,
      },
    );
  }
}

function account(user: User): Account {
  return {
    name: user.name,
    id: user.sub!,
    email: user.email,
    phone: user.phone ?? null,
    userMetadata: { ...(user.metadata ?? {}) },
    appMetadata: { ...(user.appMetadata ?? {}) },
  };
}

/** The backend, with the queued sign-ups written before anything else runs on it. */
export function withAccounts(inner: Backend, accounts: Accounts): Backend {
  const ready = () => accounts.ensure(inner);
  return {
    get kind() {
      return inner.kind;
    },
    get description() {
      return inner.description;
    },
    get commits() {
      return inner.commits;
    },
    exec: async (script: string): Promise<Result[]> => {
      await ready();
      return inner.exec(script);
    },
    query: async (sql: string, params?: unknown[]): Promise<Result> => {
      await ready();
      return inner.query(sql, params);
    },
    exclusive: async <T>(fn: (conn: Connection) => Promise<T>): Promise<T> => {
      await ready();
      return inner.exclusive(fn);
    },
    markDirty: () => inner.markDirty(),
    reset: async () => {
      await inner.reset();
      accounts.requeueAll();
    },
    close: () => inner.close(),
  };
}
