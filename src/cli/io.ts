/**
 * What every `pg-rls-test` command shares: its output streams, one way to parse and check its
 * options (runCommand, option), usage errors, the progress line, the tool's version.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

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

/**
 * One option of a command: how parseArgs reads it and how its text becomes a value. A bad value
 * throws a UsageError naming the flag (`--threshold must be ...`).
 */
export interface OptionSpec<T> {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  read(raw: string | boolean | string[] | undefined, flag: string): T;
}

/** The values a command's options parse to. */
export type OptionValues<S extends Record<string, OptionSpec<unknown>>> = { [K in keyof S]: ReturnType<S[K]['read']> };

const quote = (text: unknown) => JSON.stringify(text);

/** The kinds of option the commands take. */
export const option = {
  string: (): OptionSpec<string | undefined> => ({ type: 'string', read: (raw) => raw as string | undefined }),
  /** repeatable: `--schema a --schema b` */
  strings: (): OptionSpec<string[] | undefined> => ({ type: 'string', multiple: true, read: (raw) => raw as string[] | undefined }),
  flag: (short?: string): OptionSpec<boolean> => ({ type: 'boolean', ...(short ? { short } : {}), read: (raw) => raw === true }),
  choice: <C extends string>(choices: readonly C[]): OptionSpec<C | undefined> => ({
    type: 'string',
    read(raw, flag) {
      if (raw === undefined || choices.includes(raw as C)) return raw as C | undefined;
      throw new UsageError(`${flag} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, got ${quote(raw)}`);
    },
  }),
  /** a number within bounds; `what` says what it is in the error ("a percentage from 0 to 100") */
  number: (what: string, ok: (n: number) => boolean): OptionSpec<number | undefined> => ({
    type: 'string',
    read(raw, flag) {
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (raw === '' || !ok(n)) throw new UsageError(`${flag} must be ${what}, got ${quote(raw)}`);
      return n;
    },
  }),
  /** a comma-separated list, each item one of `choices` (each a `noun`) when given */
  list: <C extends string = string>(choices?: readonly C[], noun = 'value'): OptionSpec<C[] | undefined> => ({
    type: 'string',
    read(raw, flag) {
      if (raw === undefined) return undefined;
      const items = String(raw).split(',').map((s) => s.trim()).filter(Boolean);
      for (const item of items) if (choices && !choices.includes(item as C)) throw new UsageError(`${flag}: unknown ${noun} "${item}" (known: ${choices.join(', ')})`);
      return items as C[];
    },
  }),
  /** text of a given shape (`example` shows it in the error) */
  matching: (pattern: RegExp, example: string): OptionSpec<string | undefined> => ({
    type: 'string',
    read(raw, flag) {
      if (raw === undefined || pattern.test(String(raw))) return raw as string | undefined;
      throw new UsageError(`${flag} must be ${example}, got ${quote(raw)}`);
    },
  }),
};

/**
 * Runs a command: parses `argv` against `options` (plus -h/--help, which prints `usage`), then
 * `body`. Bad usage (an unknown option, a bad value, a UsageError from `body`) prints the
 * message and the usage to stderr and resolves to 2; otherwise to what `body` resolves to.
 */
export async function runCommand<S extends Record<string, OptionSpec<unknown>>>(
  argv: string[],
  io: CliIo,
  usage: string,
  options: S,
  body: (values: OptionValues<S>, positionals: string[]) => Promise<number>,
): Promise<number> {
  const usageError = (message: string) => {
    io.stderr(`pg-rls-test: ${message}\n\n${usage}\n`);
    return 2;
  };
  let values: OptionValues<S>;
  let positionals: string[];
  try {
    const spec = Object.fromEntries(
      Object.entries({ ...options, help: option.flag('h') }).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
    );
    const parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: spec as never });
    const raw = parsed.values as Record<string, string | boolean | string[] | undefined>;
    if (raw.help) {
      io.stdout(`${usage}\n`);
      return 0;
    }
    values = Object.fromEntries(Object.entries(options).map(([name, o]) => [name, o.read(raw[name], `--${name}`)])) as OptionValues<S>;
    positionals = parsed.positionals;
  } catch (e) {
    // parseArgs' own errors (unknown option, missing value) are TypeErrors with an ERR_PARSE_ARGS_ code
    // (the unknown-option one goes on about positionals starting with '-': the first sentence is enough)
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_')) return usageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
    throw e;
  }
  try {
    return await body(values, positionals);
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message);
    throw e;
  }
}

/** A progress line on stderr, rewritten in place, when stderr is a terminal (nothing otherwise). */
export function progressWriter(io: CliIo): (text: string) => void {
  return (text) => {
    if (io.stderrIsTTY) io.stderr(`\r\x1b[K${text}`);
  };
}
