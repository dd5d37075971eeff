/**
 * The Jest side of `pg-rls-test mutate --runner jest`: a child process (started by
 * jest-runner.ts with --experimental-vm-modules, which the embedded backend needs under Jest)
 * that loads the project's Jest once and runs it through its programmatic API (`runCLI`, in
 * band) once for the clean run and once per mutant, on the parent's request.
 *
 * Messages in:  { type: 'init', cwd, config, setupFile } then { type: 'run', files, names }
 * Messages out: { type: 'ready' } | { type: 'result', ... } | { type: 'error', message, hint }
 */
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { jestTestId, type RunResult, type TestOutcome } from './runner.js';

export type HostRequest =
  | { type: 'init'; cwd: string; config: string | undefined; setupFile: string }
  | { type: 'run'; files: string[] | undefined; names: string[] | undefined };

export type HostReply =
  | { type: 'ready'; version: string }
  | { type: 'result'; result: Omit<RunResult, 'fileMs'> & { fileMs: [string, number][] } }
  | { type: 'error'; message: string; hint?: string };

interface AssertionResult {
  fullName: string;
  status: string;
  duration?: number | null;
  failureMessages: string[];
}
interface TestFileResult {
  testFilePath: string;
  testExecError?: { message: string } | null;
  failureMessage?: string | null;
  perfStats: { start: number; end: number; runtime?: number };
  testResults: AssertionResult[];
}
type RunCli = (argv: Record<string, unknown>, projects: string[]) => Promise<{ results: { testResults: TestFileResult[]; runExecError?: { message: string } } }>;

let runCLI: RunCli;
let base: { cwd: string; argv: Record<string, unknown> };

const send = (reply: HostReply) => process.send!(reply);

process.on('message', (message: HostRequest) => {
  const work = message.type === 'init' ? init(message) : run(message);
  work.then(send, (e: unknown) => send({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});

async function init(m: Extract<HostRequest, { type: 'init' }>): Promise<HostReply> {
  const fromProject = createRequire(join(m.cwd, 'package.json'));
  let jestPath: string;
  try {
    jestPath = fromProject.resolve('jest');
  } catch {
    return { type: 'error', message: `pg-rls-test mutate --runner jest needs Jest, which cannot be loaded from ${m.cwd}`, hint: 'npm install -D jest (29 or later), or use --runner vitest' };
  }
  const fromJest = createRequire(jestPath);
  const jest = fromJest(jestPath) as { runCLI: RunCli; getVersion(): string };
  const jestConfig = createRequire(fromJest.resolve('@jest/core'))('jest-config') as {
    readInitialOptions(config: string | undefined, o: { packageRootOrConfig: string; readFromCwd: boolean }): Promise<{ config: Record<string, unknown>; configPath: string | null }>;
  };
  const config = m.config ? resolve(m.cwd, m.config) : undefined;
  const { config: initial, configPath } = await jestConfig.readInitialOptions(config, { packageRootOrConfig: m.cwd, readFromCwd: !config });
  if (initial.projects) {
    return { type: 'error', message: 'pg-rls-test mutate --runner jest runs one Jest project; this config has "projects"', hint: 'pass the config of one project with --config' };
  }
  const own = Array.isArray(initial.setupFilesAfterEnv) ? (initial.setupFilesAfterEnv as string[]) : [];
  runCLI = jest.runCLI;
  base = {
    cwd: m.cwd,
    argv: {
      $0: 'pg-rls-test mutate',
      ...(configPath && !configPath.endsWith('package.json') ? { config: configPath } : {}),
      // the setup goes first; what the config lists stays (argv replaces the config's list)
      setupFilesAfterEnv: [m.setupFile, ...own],
      runInBand: true,
      silent: true,
      ci: true,
      watch: false,
      watchAll: false,
      watchman: false,
      coverage: false,
      reporters: [],
      passWithNoTests: true,
    },
  };
  return { type: 'ready', version: jest.getVersion() };
}

async function run(m: Extract<HostRequest, { type: 'run' }>): Promise<HostReply> {
  const started = performance.now();
  // no bail: Jest ends its process (process.exit) when it bails; a mutant's run is short anyway
  const argv: Record<string, unknown> = { ...base.argv, _: m.files ?? [], bail: 0 };
  if (m.files) argv.runTestsByPath = true;
  if (m.names) argv.testNamePattern = `^(?:${m.names.map(escapeRegExp).join('|')})$`;
  // the project is this process's folder (the parent started it in the project), as the jest
  // command passes it: only then does Jest read the --config file rather than look for one
  const { results } = await runCLI(argv, [process.cwd()]);
  const tests: TestOutcome[] = [];
  const errors: string[] = [];
  const fileMs: [string, number][] = [];
  if (results.runExecError) errors.push(results.runExecError.message);
  for (const f of results.testResults) {
    fileMs.push([f.testFilePath, f.perfStats.end - f.perfStats.start]);
    const ran = f.testResults.filter((a) => a.status === 'passed' || a.status === 'failed');
    if (f.testExecError) errors.push(`${relative(base.cwd, f.testFilePath)}: ${f.testExecError.message}`);
    else if (f.failureMessage && !ran.some((a) => a.status === 'failed')) errors.push(`${relative(base.cwd, f.testFilePath)}: ${f.failureMessage}`);
    for (const a of ran) {
      tests.push({
        id: jestTestId(base.cwd, f.testFilePath, a.fullName),
        name: a.fullName,
        file: f.testFilePath,
        passed: a.status === 'passed',
        durationMs: a.duration ?? 0,
        ...(a.status === 'failed' && a.failureMessages[0] ? { error: a.failureMessages[0] } : {}),
      });
    }
  }
  return { type: 'result', result: { tests, errors, durationMs: performance.now() - started, fileMs } };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
