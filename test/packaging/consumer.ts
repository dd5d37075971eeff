/**
 * A throw-away project outside the repository with the package installed as users get it: the
 * tarball of `npm pack`, installed by `npm install` (so npm fetches exactly the declared
 * dependencies). The test tools (TypeScript, Vitest, Jest) are linked from this repository's
 * node_modules: they are what the projects run, not what is tested. @types/node is only in
 * typeroots/, so a project that does not list it has no Node types at all.
 *
 *   <tmp>/pg-rls-test-<version>.tgz
 *   <tmp>/node_modules/{pg-rls-test, its dependencies, typescript, vitest, jest, ...}
 *   <tmp>/typeroots/node          -> @types/node
 *   <tmp>/migrations/             the posts example's schema
 *   <tmp>/<project>/              fixture projects, one folder each
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { assertBuilt, ROOT } from '../runners/built.js';

/** Linked from the repository: what the fixture projects run on, and the two linters. */
const TOOLS = ['typescript', 'vitest', 'jest', '@jest/globals', 'expect', '@arethetypeswrong/cli', 'publint'];

export interface Consumer {
  dir: string;
  tarball: string;
  /** Runs a command in `<dir>/<cwd>`; never throws, the caller asserts on the result. */
  run(cwd: string, command: string, args: string[], env?: Record<string, string>): SpawnSyncReturns<string>;
  /** Runs a tool linked into node_modules by its script path (e.g. 'jest/bin/jest.js'). */
  node(cwd: string, script: string, args: string[], env?: Record<string, string>): SpawnSyncReturns<string>;
  /** Copies test/packaging/fixtures/<fixture> (or the given files of it) to `<dir>/<project>`. */
  project(project: string, fixture: string, files?: string[]): string;
  /** Writes a JSON file at `<dir>/<path>`. */
  write(path: string, json: unknown): void;
  remove(): void;
}

/** What a command printed, without colours. */
export const output = (r: SpawnSyncReturns<string>): string => stripVTControlCharacters(r.stdout + r.stderr);

function check(r: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

export function createConsumer(): Consumer {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'pgrls-consumer-'));
  const run = (cwd: string, command: string, args: string[], env: Record<string, string> = {}) =>
    spawnSync(command, args, { cwd: join(dir, cwd), encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', ...env } });

  const packed = JSON.parse(check(spawnSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' }), 'npm pack').stdout) as { filename: string }[];
  const tarball = join(dir, packed[0]!.filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pgrls-consumer', private: true, dependencies: { 'pg-rls-test': `file:./${packed[0]!.filename}` } }, null, 2));
  check(run('.', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']), 'npm install of the packed tarball');

  for (const tool of TOOLS) {
    mkdirSync(dirname(join(dir, 'node_modules', tool)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', tool), join(dir, 'node_modules', tool), 'dir');
  }
  mkdirSync(join(dir, 'typeroots'));
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'typeroots/node'), 'dir');
  cpSync(join(ROOT, 'examples/posts/migrations'), join(dir, 'migrations'), { recursive: true });

  return {
    dir,
    tarball,
    run,
    node: (cwd, script, args, env) => run(cwd, process.execPath, [join(dir, 'node_modules', script), ...args], env),
    project(project, fixture, files) {
      const from = join(ROOT, 'test/packaging/fixtures', fixture);
      const to = join(dir, project);
      mkdirSync(to, { recursive: true });
      if (files) for (const f of files) cpSync(join(from, f), join(to, f));
      else cpSync(from, to, { recursive: true });
      return to;
    },
    write: (path, json) => writeFileSync(join(dir, path), `${JSON.stringify(json, null, 2)}\n`),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

