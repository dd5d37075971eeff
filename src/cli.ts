// The `pg-rls-test` command (package.json "bin" -> dist/cli.js); the logic is in ./cli/index.ts, testable
// without a process. No hashbang here: the build's banner adds `#!/usr/bin/env node` (a second one would be a syntax error).
import { main } from './cli/index.js';

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pg-rls-test: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 2;
  },
);
