/**
 * The Vitest side of a mutation run: ONE Vitest instance (its Node API, as Stryker's
 * vitest-runner uses it) for the clean run and every mutant, each run limited to the covering
 * tests of their files (`createSpecification(file, { testIds })`), bailing on the first failure.
 *
 * Where the time goes (measured on examples/posts, see bench/): a new Vitest worker per run
 * (what Vitest does, even with isolate: false) costs a thread start, the module graph's
 * evaluation, PGlite's WASM compile and a data-directory copy and open (~0.3 s) before the
 * first test; the persistent pool (vitest-pool.ts) keeps one worker thread for the whole run,
 * so the embedded databases stay open between mutants (src/backends/embedded.ts keepWarm).
 * Vitest older than 4.1 has no custom pools: there the default threads pool is used.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { MutateFailedError } from '../errors.js';
import { persistentPool, type PersistentPool } from './vitest-pool.js';
import { builtFile, withinTime, writeSetupFile, type RunnerOptions, type RunResult, type SuiteRunner, type TestOutcome } from './runner.js';

type VitestModule = typeof import('vitest/node');
type Vitest = Awaited<ReturnType<VitestModule['createVitest']>>;
type Specification = Awaited<ReturnType<Vitest['globTestSpecifications']>>[number];
type RunTestResult = Awaited<ReturnType<Vitest['runTestSpecifications']>>;

export class VitestRunner implements SuiteRunner {
  readonly name = 'vitest' as const;
  #cwd: string;
  #config: string | undefined;
  #dir: string;
  #ctx: Vitest | undefined;
  #pool: PersistentPool | undefined;
  #specs: Specification[] = [];

  constructor(options: RunnerOptions) {
    this.#cwd = options.cwd;
    this.#config = options.config;
    this.#dir = options.dir;
  }

  async init(): Promise<void> {
    const setupFile = writeSetupFile(this.#dir, 'mutate-vitest-setup.js', 'esm');
    let vitest: VitestModule;
    try {
      const require = createRequire(resolve(this.#cwd, 'package.json'));
      vitest = (await import(pathToFileURL(require.resolve('vitest/node')).href)) as VitestModule;
    } catch (cause) {
      throw new MutateFailedError(`pg-rls-test mutate --runner vitest needs Vitest, which cannot be loaded from ${this.#cwd}`, {
        cause,
        hint: 'npm install -D vitest (3.x or later), or use --runner jest',
      });
    }
    const major = Number(/^(\d+)\.(\d+)/.exec(vitest.version)?.[1] ?? 0);
    const minor = Number(/^(\d+)\.(\d+)/.exec(vitest.version)?.[2] ?? 0);
    if (major > 4 || (major === 4 && minor >= 1)) this.#pool = persistentPool(builtFile('mutate-vitest-worker.js'));
    this.#ctx = await vitest.createVitest(
      'test',
      {
        root: this.#cwd,
        ...(this.#config ? { config: resolve(this.#cwd, this.#config) } : {}),
        watch: false,
        ...(this.#pool ? { pool: this.#pool as never } : { pool: 'threads' }),
        isolate: false,
        maxWorkers: 1,
        fileParallelism: false,
        coverage: { enabled: false },
        reporters: [{}],
        onConsoleLog: () => false,
      },
      {},
      { stdout: devNull(), stderr: devNull() } as never,
    );
    for (const project of this.#ctx.projects) project.config.setupFiles = [setupFile, ...project.config.setupFiles];
    await this.#ctx.standalone();
    this.#specs = await this.#ctx.globTestSpecifications();
    if (this.#specs.length === 0) throw new MutateFailedError(`Vitest found no test files in ${this.#cwd}${this.#config ? ` with ${this.#config}` : ''}`, { hint: 'run pg-rls-test mutate in the project folder, or pass --config' });
  }

  async run(selection: Map<string, string[]> | undefined, options: { bail: boolean; timeoutMs?: number }): Promise<RunResult> {
    const ctx = this.#ctx!;
    const specs = selection
      ? this.#specs.filter((s) => selection.has(s.moduleId)).map((s) => s.project.createSpecification(s.moduleId, { testIds: selection.get(s.moduleId)! }))
      : this.#specs;
    ctx.config.bail = options.bail ? 1 : 0;
    ctx.state.filesMap.clear(); // a previous run's results must not count (Stryker does the same)
    const started = performance.now();
    const running = ctx.runTestSpecifications(specs, !selection);
    const first = await withinTime(running, options.timeoutMs);
    if (first === 'timeout') {
      // the worker is stuck in a test: end it (the next run starts a fresh one) and drop this run
      // Vitest does not settle a run whose worker was ended, and waits for it before the next one:
      // this instance is done for; a new one (and a new worker) takes over. Timeouts are rare.
      await this.#pool?.terminate();
      await Promise.race([ctx.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
      running.catch(() => undefined);
      await this.init();
      return { tests: [], errors: [], durationMs: performance.now() - started, fileMs: new Map(), timedOut: true };
    }
    return this.#results(first as RunTestResult, performance.now() - started);
  }

  #results(result: RunTestResult, durationMs: number): RunResult {
    const tests: TestOutcome[] = [];
    const errors: string[] = [];
    const fileMs = new Map<string, number>();
    for (const m of result.testModules) {
      fileMs.set(m.moduleId, m.diagnostic().duration);
      for (const e of m.errors()) errors.push(`${m.moduleId}: ${e.message}`);
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state === 'skipped' || r.state === 'pending') continue;
        tests.push({
          id: t.id,
          name: t.fullName,
          file: m.moduleId,
          passed: r.state === 'passed',
          durationMs: t.diagnostic()?.duration ?? 0,
          ...(r.state === 'failed' && r.errors?.[0] ? { error: r.errors[0].message } : {}),
        });
      }
    }
    for (const e of result.unhandledErrors) errors.push(String((e as { message?: unknown }).message ?? e));
    return { tests, errors, durationMs, fileMs };
  }

  async close(): Promise<void> {
    await this.#ctx?.close();
    await this.#pool?.terminate();
  }
}

function devNull(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
