/**
 * createTestDatabase(): wires a backend, the preset, migrations and seed, the token issuer
 * and sessions into one TestDatabase.
 */
import type { Backend, Connection, Setup } from './backends/types.js';
import { hashOf } from './backends/cache.js';
import { Catalog } from './catalog/index.js';
import { BackendUnavailableError, DatabaseClosedError, PgRlsTestError, SeedFailedError, StartUnfinishedError } from './errors.js';
import { applySql, extensionsOf, inlineSql, readMigrations, readSeedFiles, type SqlSource } from './migrations.js';
import { untouched } from './coverage.js';
import { MUTATE_DIR_ENV } from './mutate/state.js';
import { presetByName, type Preset } from './presets/neon.js';
import { ColumnRef, ENGINE, ObjectRef, RoleRef, RowSet, TableRef, type FunctionRef, type RowsOptions, type SchemaRef, type SequenceRef } from './refs.js';
import { Accounts, withAccounts } from './session/accounts.js';
import type { Engine } from './session/engine.js';
import { Anonymous, User, type Requester, type UserOptions } from './session/requesters.js';
import { OwnerSession, Session, Transaction } from './session/session.js';
import type { Where } from './sql/index.js';
import { Clock, Issuer, loadTrustedJwks, type Claims, type Jwks, type MintOptions } from './tokens/index.js';
import { resolveOptions, type ResolvedOptions, type TestDatabaseOptions } from './options.js';
import { brand, processWide } from './brands.js';

/** Open databases, so a raw JWT can be traced to the database whose key signed it (every copy's). */
const openDatabases = processWide('openDatabases', () => new Set<TestDatabase>());

/** The open database whose JWKS has this token's kid; else the most recently created one. */
export function databaseForToken(token: string): TestDatabase | undefined {
  let kid: unknown;
  try {
    kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).kid;
  } catch {
    kid = undefined;
  }
  const all = [...openDatabases];
  return all.find((db) => db[ENGINE].issuer.verificationKeys.keys.some((k) => k.kid === kid)) ?? all[all.length - 1];
}

export interface TablesOptions {
  /** the schema whose tables to list; default 'public' */
  schema?: string;
}

export class TestDatabase implements AsyncDisposable {
  static {
    brand(this, 'TestDatabase');
  }
  /** The requester without a token (runs as the preset's anonymous role). */
  readonly anonymous = new Anonymous();
  /** Owner rights (the setup connection): for seeding and inspecting inside a test. */
  readonly owner: OwnerSession;
  readonly backend: Backend['kind'];
  /** @internal the engine, for matchers */
  readonly [ENGINE]: Engine;
  #users = new Map<string, { user: User; key: string }>();
  #clock: Clock;
  #closed = false;
  #backend: Backend;

  #accounts: Accounts | undefined;

  /** @internal use createTestDatabase() */
  constructor(rawBackend: Backend, issuer: Issuer, clock: Clock, preset: Preset, options: ResolvedOptions, sources: SqlSource[] = []) {
    // Under a preset whose users live in the database (Supabase: auth.users), db.user() signs up.
    this.#accounts = preset.accounts ? new Accounts(preset.accounts) : undefined;
    const backend = this.#accounts ? withAccounts(rawBackend, this.#accounts) : rawBackend;
    this.#backend = backend;
    this.#clock = clock;
    this.backend = backend.kind;
    const engine: Engine = {
      backend,
      issuer,
      catalog: new Catalog(backend),
      preset,
      anonymousEnabled: options.dataApi.anonymous,
      assertOpen: (what) => {
        if (this.#closed) throw new DatabaseClosedError(what);
      },
      knownRequesters: () => [...this.users, this.anonymous],
      sources,
    };
    this[ENGINE] = engine;
    this.owner = new OwnerSession(engine);
    openDatabases.add(this);
  }

  /** e.g. "embedded PGlite 0.5.16 (PostgreSQL 18.1)" */
  get description(): string {
    return this.#backend.description;
  }

  /**
   * A user whose token is minted here (sub: a UUID derived from the name, unless given). Under
   * the Supabase preset the user also signs up: their auth.users row (email, phone, metadata as
   * raw_user_meta_data, appMetadata as raw_app_meta_data) is written before the database's next
   * operation, by Supabase Auth's role, so triggers on auth.users run; reset() keeps them.
   */
  user(name: string, options: UserOptions = {}): User {
    if (typeof name !== 'string' || name === '') throw new TypeError('db.user() takes a name such as "alice"');
    const key = JSON.stringify(options);
    const known = this.#users.get(name);
    if (known) {
      if (known.key !== key) throw new TypeError(`db.user("${name}") already exists with other options; give the other user another name`);
      return known.user;
    }
    const user = new User(this[ENGINE], name, options, this[ENGINE].preset.authenticatedRole);
    this.#users.set(name, { user, key });
    this.#accounts?.add(user);
    return user;
  }

  /** Every user created with db.user(), in creation order. */
  get users(): User[] {
    return [...this.#users.values()].map((u) => u.user);
  }

  /** Signs exactly these claims (plus the options' adjustments): for negative tests. */
  mintJwt(claims: Claims, options: MintOptions = {}): Promise<string> {
    return this[ENGINE].issuer.mint(claims, options);
  }

  /** The public keys tokens verify against. */
  get jwks(): Jwks {
    return this[ENGINE].issuer.jwks;
  }

  /** Fix the clock used for minting and validation; no argument: the real clock again. */
  setNow(now?: Date | (() => Date)): void {
    this.#clock.set(now);
  }

  /** Requests as a user, db.anonymous or a raw JWT, each in a rolled-back transaction. */
  as(requester: Requester): Session {
    return new Session(this[ENGINE], requester);
  }

  table(name: string): TableRef {
    return new TableRef(this[ENGINE], name);
  }

  /**
   * Handles for the tables of a schema ('public' by default), partitions included, views not, in
   * name order, each named schema-qualified: `for (const t of await db.tables()) await
   * expect(t).toHaveRlsEnabled();`. An unknown schema rejects with close matches.
   */
  async tables(options: TablesOptions = {}): Promise<TableRef[]> {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError('db.tables() takes an options object such as { schema: "public" }');
    const schema = options.schema ?? 'public';
    if (typeof schema !== 'string' || schema === '') throw new TypeError(`"schema" option of db.tables() must be a schema name such as "public", got ${JSON.stringify(schema)}`);
    this[ENGINE].assertOpen('db.tables()');
    const found = await this[ENGINE].catalog.tablesOf(schema);
    return found.map((t) => new TableRef(this[ENGINE], t.qualifiedName));
  }

  rows(table: string, where?: Where, options?: RowsOptions): RowSet {
    return new RowSet(this.table(table), where, options);
  }

  /** A column, for column privileges. */
  column(table: string, column: string): ColumnRef {
    return new ColumnRef(this.table(table), column);
  }

  /** A function by signature: db.function('public.get_order(bigint)'). */
  function(signature: string): FunctionRef {
    return new ObjectRef(this[ENGINE], 'function', signature);
  }

  schema(name: string): SchemaRef {
    return new ObjectRef(this[ENGINE], 'schema', name);
  }

  sequence(name: string): SequenceRef {
    return new ObjectRef(this[ENGINE], 'sequence', name);
  }

  role(name: string): RoleRef {
    return new RoleRef(this[ENGINE], name);
  }

  /** The schema audit: what would make the Data API leak or fail, as findings with their fix SQL (src/audit). */
  async audit(options?: import('./audit/types.js').AuditOptions): Promise<import('./audit/types.js').AuditResult> {
    const { auditDatabase } = await import('./audit/engine.js');
    return auditDatabase(this[ENGINE], options);
  }

  /** Who (anonymous, each user) can select/insert/update/delete how many rows of each table (src/audit/access-matrix). */
  async accessMatrix(options?: import('./audit/access-matrix.js').AccessMatrixOptions): Promise<import('./audit/access-matrix.js').AccessMatrix> {
    const { accessMatrix } = await import('./audit/access-matrix.js');
    return accessMatrix(this[ENGINE], options);
  }

  /** Back to the state right after preset, migrations and seed (a no-op when nothing was committed). */
  async reset(): Promise<void> {
    this[ENGINE].assertOpen('db.reset()');
    await this.#backend.reset();
    this[ENGINE].catalog.invalidate();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    openDatabases.delete(this);
    await this.#backend.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function buildSetup(options: ResolvedOptions, preset: Preset, sources: SqlSource[], seedFiles: SqlSource[]): Promise<Setup> {
  const presetSql = preset.setupSql({ grantPublicSchemaAccess: options.dataApi.grantPublicSchemaAccess });
  const seed = options.seed;
  const seedFn = typeof seed === 'function' ? seed : undefined;
  const extensions = [...new Set([...preset.extensions, ...(await extensionsOf([...sources, ...seedFiles]))])];
  return {
    baseKey: hashOf(presetSql),
    fullKey: hashOf(...[...sources, ...seedFiles].flatMap((s) => [s.label, s.text])),
    summary: { preset: options.preset, sources: [...sources, ...seedFiles].map((s) => s.label) },
    extensions,
    base: async (conn: Connection) => {
      if (presetSql) await conn.exec(presetSql);
    },
    rest: async (conn: Connection, backend) => {
      await applySql(conn, sources, { backend });
      await applySql(conn, seedFiles, { backend, kind: 'seed' });
    },
    seedId: seedFn ? seedFn.toString() : '',
    seed: seedFn && (async (conn: Connection) => {
      try {
        await seedFn(new Transaction(new Catalog(conn), conn, null));
      } catch (cause) {
        const why = cause instanceof PgRlsTestError ? cause.summary : cause instanceof Error ? cause.message : String(cause);
        throw new SeedFailedError(`the seed function failed: ${why}`, { cause, hint: 'the seed runs with owner rights after the migrations; fix the statement named above' });
      }
    }),
  };
}

let warnedFallback = false;

async function startBackend(options: ResolvedOptions, setup: Setup, onPhase: (phase: string) => void, keepWarm?: { run: number; scope: string }): Promise<Backend> {
  switch (options.backend) {
    case 'url': {
      const { ServerBackend } = await import('./backends/url.js');
      return ServerBackend.start(setup, { url: options.url!, existing: options.existing, connectTimeoutMs: options.connectTimeoutMs, onPhase });
    }
    case 'native': {
      const { startNativeBackend } = await import('./backends/native.js');
      try {
        return await startNativeBackend(setup, { cache: options.cache, onPhase });
      } catch (e) {
        // chosen by default because its binaries are installed, but they cannot run here (a musl
        // system, a project only root may read): PGlite instead, said once
        if (!options.backendByDefault || !(e instanceof BackendUnavailableError)) throw e;
        if (!warnedFallback) process.stderr.write(`pg-rls-test: the native backend is installed but cannot run here (${e.summary}); using the embedded one (PGlite)\n`);
        warnedFallback = true;
        return startBackend({ ...options, backend: 'embedded' }, setup, onPhase, keepWarm);
      }
    }
    case 'testcontainers': {
      const { startContainerBackend } = await import('./backends/testcontainers.js');
      return startContainerBackend(setup, { image: options.image });
    }
    default: {
      const { EmbeddedBackend } = await import('./backends/embedded.js');
      return EmbeddedBackend.start(setup, { cache: options.cache, keepWarm, onPhase });
    }
  }
}

/** A start under way: what it is doing, so that a runner's timeout can be explained. */
interface PendingStart {
  began: number;
  phase: string;
  /** the test file ended without it: close the database as soon as it is there */
  abandoned: boolean;
}
const pendingStarts = new Set<PendingStart>();

/**
 * For the runner entries' afterAll (pg-rls-test/vitest, pg-rls-test/jest): the starts still
 * under way when a test file ends were abandoned by a hook that timed out. They close their
 * database as soon as it is ready; the error returned names the step they were in.
 */
export function abandonPendingStarts(now = Date.now()): StartUnfinishedError | undefined {
  const pending = [...pendingStarts];
  if (pending.length === 0) return undefined;
  for (const p of pending) p.abandoned = true;
  const oldest = pending.reduce((a, b) => (a.began <= b.began ? a : b));
  return new StartUnfinishedError(oldest.phase, now - oldest.began, pending.length - 1);
}

/** Starts a Postgres (embedded by default), applies preset, migrations and seed. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const resolved = resolveOptions(options);
  const pending: PendingStart = { began: Date.now(), phase: 'starting', abandoned: false };
  pendingStarts.add(pending);
  const onPhase = (phase: string) => {
    // the test file is over: stop at this step instead of finishing for nobody
    if (pending.abandoned) throw new StartUnfinishedError(`${pending.phase} (stopped there)`, Date.now() - pending.began, 0);
    pending.phase = phase;
  };
  let db: TestDatabase;
  try {
    const preset = await presetByName(resolved.preset);
    const clock = new Clock(resolved.now);
    // before the backend starts: an auth service that cannot be reached fails the start at once
    const trusted = await loadTrustedJwks(resolved.dataApi.jwks);
    const sources = [...readMigrations(resolved.migrations), ...inlineSql(resolved.sql)];
    const seedFiles = typeof resolved.seed === 'string' || Array.isArray(resolved.seed) ? readSeedFiles(resolved.seed) : [];
    const setup = await buildSetup(resolved, preset, sources, seedFiles);
    // `pg-rls-test mutate` runs the suite with PG_RLS_TEST_MUTATE_DIR set (src/mutate/worker.ts)
    const mutation = process.env[MUTATE_DIR_ENV]
      ? (await import('./mutate/worker.js')).mutationFor(setup, resolved.backend, preset, sources, resolved.existing === true)
      : undefined;
    setup.mutation = mutation?.mutation;
    // the seed and the mutation run's own reads are not a test's use of the tables
    const [backend, issuer] = await untouched(() =>
      Promise.all([
        startBackend(resolved, setup, onPhase, mutation?.keepWarm ? { run: mutation.run, scope: mutation.scope } : undefined).then(async (b) => {
          await mutation?.started(b);
          return b;
        }),
        Issuer.create({ alg: resolved.dataApi.alg, issuer: resolved.dataApi.issuer, audience: resolved.dataApi.audience, clock, claims: preset.claims, trusted }),
      ]),
    ).catch((e: unknown) => {
      mutation?.failed(e);
      throw e;
    });
    db = new TestDatabase(backend, issuer, clock, preset, resolved, [...sources, ...seedFiles]);
  } finally {
    pendingStarts.delete(pending);
  }
  if (pending.abandoned) {
    // nobody will close it: its test file is over
    await db.close();
    throw new StartUnfinishedError(`${pending.phase} (it finished after the test file had ended, and was closed)`, Date.now() - pending.began, 0);
  }
  return db;
}

/**
 * Builds and caches what a first start would build for these options, and closes it: for a
 * globalSetup, so that the first test file starts from the cache. The embedded backend caches
 * the prepared database (preset, migrations, inline SQL, seed files), the native one its cluster
 * (initdb); url and testcontainers keep nothing between runs: for them it does nothing. A seed
 * function is not run: it is never cached (every start runs it).
 */
export async function prepareTestDatabase(options: TestDatabaseOptions = {}): Promise<void> {
  const resolved = resolveOptions(options);
  if (resolved.backend !== 'embedded' && resolved.backend !== 'native') return;
  const db = await createTestDatabase(typeof options.seed === 'function' ? { ...options, seed: undefined } : options);
  await db.close();
}

/**
 * For `npm run build` (scripts/build-base.mjs): writes the clusters shipped in dist/base, plain
 * and with the default preset (neon, Data API grants) applied.
 */
export async function shipPreparedClusters(outDir: string): Promise<string[]> {
  const { writeShippedClusters } = await import('./backends/embedded.js');
  const resolved = resolveOptions({ backend: 'embedded' });
  return writeShippedClusters(outDir, [await buildSetup(resolved, await presetByName(resolved.preset), [], [])]);
}
