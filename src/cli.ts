#!/usr/bin/env node
// The `pg-rls-test` command (package.json "bin" -> dist/cli.js); the logic is in ./cli/index.ts, testable
// without a process. esbuild keeps an entry's hashbang (a banner would put one on every shared chunk too).
import { main } from './cli/index.js';

let finished = false;
// A command whose work stopped without an answer (an awaited promise that can never settle) must not exit 0.
process.once('beforeExit', () => {
  if (finished) return;
  process.stderr.write('pg-rls-test: internal error: the command stopped before it finished\n');
  process.exitCode = 2;
});

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
}).then(
  (code) => {
    finished = true;
    process.exitCode = code;
  },
  (e: unknown) => {
    finished = true;
    process.stderr.write(`pg-rls-test: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
