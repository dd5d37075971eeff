/** What every `pg-rls-test` command shares: its output streams, usage errors, the tool's version. */
import { createRequire } from 'node:module';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** whether stderr is a terminal: then a progress line is shown there */
  stderrIsTTY?: boolean;
}

/** Bad arguments: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** The installed package's version (source and built layouts sit at different depths). */
export function toolVersion(): string | undefined {
  const require = createRequire(import.meta.url);
  for (const p of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(p) as { name?: string; version?: string };
      if (pkg.name === 'pg-rls-test') return pkg.version;
    } catch {
      // not at this depth (source vs. built layout)
    }
  }
  return undefined;
}
