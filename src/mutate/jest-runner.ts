/**
 * The Jest side of a mutation run, in this process: one child process (jest-host.ts) holds the
 * project's Jest for the whole run and runs it in band through `runCLI` once per mutant, limited
 * to the covering tests' files and names (`runTestsByPath`, `testNamePattern`). The child runs
 * with --experimental-vm-modules (the embedded backend needs it under Jest) whatever the
 * user's NODE_OPTIONS say. Jest gives each test file a new module registry and global object,
 * so unlike Vitest's persistent worker nothing stays warm: each test file of a mutant run opens
 * its databases again (from the embedded backend's on-disk cache).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { MutateFailedError } from '../errors.js';
import { builtFile, jestTestId, withinTime, writeSetupFile, type RunnerOptions, type RunResult, type SuiteRunner } from './runner.js';
import type { HostReply, HostRequest } from './jest-host.js';

// (--disable-warning is Node ≥ 20.11: older ones would refuse to start with it)
const FLAGS = ['--experimental-vm-modules', ...(process.allowedNodeEnvironmentFlags.has('--disable-warning') ? ['--disable-warning=ExperimentalWarning'] : [])];

export class JestRunner implements SuiteRunner {
  readonly name = 'jest' as const;
  #options: RunnerOptions;
  #setupFile: string | undefined;
  #host: ChildProcess | undefined;
  #stderr = '';
  #pending: { resolve(r: HostReply): void; reject(e: Error): void } | undefined;

  constructor(options: RunnerOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    this.#setupFile ??= writeSetupFile(this.#options.dir, 'mutate-jest-setup.cjs', 'cjs');
    const host = fork(builtFile('mutate-jest-host.js'), [], {
      cwd: this.#options.cwd,
      execArgv: [...process.execArgv.filter((a) => !FLAGS.includes(a)), ...FLAGS],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#host = host;
    this.#stderr = '';
    host.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    host.on('message', (reply: HostReply) => {
      const p = this.#pending;
      this.#pending = undefined;
      p?.resolve(reply);
    });
    host.on('exit', (code, signal) => {
      if (this.#host === host) this.#host = undefined;
      const p = this.#pending;
      this.#pending = undefined;
      p?.reject(new MutateFailedError(`the Jest process of the mutation run ended (${signal ?? `exit code ${code}`}) before it answered${this.#stderr ? `:\n${this.#stderr.trim()}` : ''}`));
    });
    const reply = await this.#ask({ type: 'init', cwd: this.#options.cwd, config: this.#options.config, setupFile: this.#setupFile });
    if (reply.type === 'error') throw new MutateFailedError(reply.message, reply.hint ? { hint: reply.hint } : {});
  }

  #ask(request: HostRequest): Promise<HostReply> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#host!.send(request);
    });
  }

  async run(selection: Map<string, string[]> | undefined, options: { bail: boolean; timeoutMs?: number }): Promise<RunResult> {
    const started = performance.now();
    // an id is `<file relative to the project>#<full name>` (jestTestId): the name is what follows the file
    const names = selection ? [...new Set([...selection].flatMap(([file, ids]) => ids.map((id) => id.slice(jestTestId(this.#options.cwd, file, '').length))))] : undefined;
    const asked = this.#ask({ type: 'run', files: selection ? [...selection.keys()] : undefined, names });
    const first = await withinTime(asked, options.timeoutMs);
    if (first === 'timeout') {
      // a test that hangs: end Jest's process, start a new one for the next mutant
      asked.catch(() => undefined);
      await this.#stop();
      await this.init();
      return { tests: [], errors: [], durationMs: performance.now() - started, fileMs: new Map(), timedOut: true };
    }
    if (first.type === 'error') throw new MutateFailedError(`Jest failed to run: ${first.message}`, first.hint ? { hint: first.hint } : {});
    if (first.type !== 'result') throw new MutateFailedError(`the Jest process answered ${first.type} to a run`);
    const r = first.result;
    // the tests chosen by name may share it with a test of another selected file: keep only the selected
    const tests = selection ? r.tests.filter((t) => selection.get(t.file)?.includes(t.id)) : r.tests;
    return { ...r, tests, fileMs: new Map(r.fileMs) };
  }

  async #stop(): Promise<void> {
    const host = this.#host;
    if (!host) return;
    this.#host = undefined;
    if (host.exitCode !== null || host.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      host.once('exit', () => resolve());
      host.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.#stop();
  }
}
