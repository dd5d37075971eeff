/**
 * `pg-rls-test <command> ...`: one file per command beside this one; this file only dispatches.
 * Each command resolves to its exit code (0 ok, 1 its check failed, 2 bad usage).
 */
import { audit, AUDIT_USAGE } from './audit.js';
import { cache } from './cache.js';
import { prepare } from './prepare.js';
import { mutateCommand, MUTATE_USAGE } from './mutate.js';
import { toolVersion, type CliIo } from './io.js';

export type { CliIo } from './io.js';

interface Command {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  audit: { summary: 'check a live database (read-only), or migrations without a server, for what would make the Data API leak or fail', run: audit },
  cache: { summary: "list the embedded backend's prepared databases and working copies; 'cache clean' removes them", run: cache },
  prepare: { summary: 'build the prepared database before the first test run (migrations applied, cached)', run: prepare },
  mutate: { summary: 'mutation testing: break each policy and grant, rerun the tests, report what no test noticed', run: mutateCommand },
};

export const USAGE = `usage: pg-rls-test <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

  pg-rls-test <command> --help   the options of one command
  pg-rls-test --version          the installed version

${AUDIT_USAGE}

${MUTATE_USAGE}`;

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    io.stdout(`${toolVersion() ?? 'unknown'}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const command = first === undefined ? undefined : COMMANDS[first];
  if (!command) {
    const what = first === undefined ? 'missing command' : `unknown command "${first}"`;
    io.stderr(`pg-rls-test: ${what} (commands: ${Object.keys(COMMANDS).join(', ')})\n\n${USAGE}\n`);
    return 2;
  }
  return command.run(rest, io);
}
