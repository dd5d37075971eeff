/**
 * Runs test/helpers/db-child.mjs (the built package in its own process) and follows its steps:
 * for tests that kill runs at given moments, race them, or look at what they leave behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabaseOptions } from '../../src/index.js';

export const CHILD_SCRIPT = fileURLToPath(new URL('./db-child.mjs', import.meta.url));

export interface ChildConfig {
  mode?: 'start' | 'requests' | 'reset' | 'hold';
  options?: Omit<TestDatabaseOptions, 'seed' | 'now'>;
  count?: number;
  noClose?: boolean;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  output: () => string;
  /** resolves when a line starting with `prefix` was printed; rejects if the child ends first */
  reached(prefix: string): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runChild(config: ChildConfig, env: Record<string, string | undefined> = {}): Child {
  const proc = spawn(process.execPath, [CHILD_SCRIPT], {
    env: { ...process.env, ...env, PGRLS_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { prefix: string; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => l.startsWith(w.prefix));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      check();
      for (const w of waiters.splice(0)) w.reject(new Error(`the child ended (code ${code}, signal ${signal}) before "${w.prefix}":\n${out}`));
      resolve({ code, signal });
    });
  });
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    reached: (prefix) =>
      new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve, reject });
        check();
        if (proc.exitCode !== null || proc.signalCode !== null) {
          check();
          const i = waiters.findIndex((w) => w.prefix === prefix);
          if (i >= 0) waiters.splice(i, 1)[0]!.reject(new Error(`the child had ended before "${prefix}":\n${out}`));
        }
      }),
    exited,
  };
}
