/**
 * Reading and applying migrations: files in name order (or a Supabase project's
 * supabase/migrations), then inline SQL, then seed files; errors name file and line. Also finds
 * the extensions the SQL creates, which the embedded backend must load before it starts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { MigrationFailedError, SeedFailedError } from './errors.js';
import type { BackendKind, Connection } from './backends/types.js';
import { postgresError } from './backends/types.js';
import { unavailableExtension } from './backends/extensions.js';
import { loadParser, parseScript } from './sql/parse.js';

export interface SqlSource {
  /** file path, or `sql[0]` for inline SQL */
  label: string;
  text: string;
}

/** Relative paths in the options are relative to the working directory, as Node resolves them: say so where one is not found. */
const RELATIVE_HINT =
  'a relative path is resolved against the working directory (process.cwd()), not against the test file or the runner\'s --root: ' +
  "start the runner from the project folder, or give an absolute path, e.g. new URL('./migrations', import.meta.url).pathname (ESM) or path.join(__dirname, 'migrations') (CommonJS)";

/** For a relative path: ` (given as ./migrations, resolved against the working directory /x)`. */
function relativeNote(given: string): string {
  return isAbsolute(given) ? '' : ` (given as ${given}, resolved against the working directory ${process.cwd()})`;
}

export function readMigrations(migrations: string | string[] | undefined): SqlSource[] {
  if (migrations === undefined) return [];
  const given = typeof migrations === 'string' ? [migrations] : migrations;
  // a list may name folders too (each read as a "migrations" folder, in the list's order)
  const files = given.flatMap((f) => (typeof migrations === 'string' || isDirectory(resolve(f)) ? migrationFiles(f) : [resolve(f)]));
  return readFiles(files, (file, cause) => {
    const as = given.find((g) => resolve(g) === file) ?? file;
    const missing = (cause as { code?: string }).code === 'ENOENT';
    return new MigrationFailedError({
      file,
      message: missing ? `the migration file does not exist${relativeNote(as)}` : `cannot read the file (${(cause as Error).message})`,
      ...(missing ? { hint: RELATIVE_HINT } : {}),
      cause,
    });
  });
}

/** Seed SQL files (`seed: './supabase/seed.sql'`, a folder of .sql files, or a list), applied after the migrations. */
export function readSeedFiles(seed: string | string[]): SqlSource[] {
  const files = (Array.isArray(seed) ? seed : [seed]).flatMap((p) => {
    const abs = resolve(p);
    return isDirectory(abs) ? sqlFilesIn(abs) : [abs];
  });
  return readFiles(files, (file, cause) => {
    const as = (Array.isArray(seed) ? seed : [seed]).find((g) => resolve(g) === file) ?? file;
    const missing = (cause as { code?: string }).code === 'ENOENT';
    return new SeedFailedError(`the seed file ${file} ${missing ? `does not exist${relativeNote(as)}` : `cannot be read (${(cause as Error).message})`}`, {
      cause,
      hint: missing ? RELATIVE_HINT : 'check the "seed" option: a .sql file, a folder of them, or a list',
    });
  });
}

function readFiles(files: string[], failure: (file: string, cause: unknown) => Error): SqlSource[] {
  return files.map((file) => {
    try {
      return { label: file, text: readFileSync(file, 'utf8') };
    } catch (cause) {
      throw failure(file, cause);
    }
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `<timestamp>_name.sql`: the files the Supabase CLI applies from supabase/migrations (it skips others). */
const SUPABASE_MIGRATION = /^\d+_.*\.sql$/;

/**
 * The migrations folder of a Supabase project: `dir` itself when it is a `supabase/` folder
 * (recognised by its config.toml and migrations/), or the `supabase/migrations` it contains.
 */
export function supabaseMigrationsIn(dir: string): string | undefined {
  const abs = resolve(dir);
  if (existsSync(join(abs, 'config.toml')) && isDirectory(join(abs, 'migrations'))) return join(abs, 'migrations');
  return isDirectory(join(abs, 'supabase', 'migrations')) ? join(abs, 'supabase', 'migrations') : undefined;
}

/**
 * The files of a "migrations" folder: a Supabase project gives its
 * migrations/<timestamp>_name.sql in order, as `supabase db reset` applies them (seed.sql only
 * through the "seed" option); any other folder gives its .sql files in name order.
 */
function migrationFiles(dir: string): string[] {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new MigrationFailedError({ file: abs, message: `the "migrations" folder does not exist${relativeNote(dir)}`, hint: RELATIVE_HINT, cause: undefined });
  if (!isDirectory(abs)) return [abs];
  const supabase = supabaseMigrationsIn(abs);
  if (supabase) return sqlFilesIn(supabase).filter((f) => SUPABASE_MIGRATION.test(basename(f)));
  return sqlFilesIn(abs);
}

function sqlFilesIn(abs: string): string[] {
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch (cause) {
    throw new MigrationFailedError({ file: abs, message: 'the folder cannot be read', cause });
  }
  return names
    .filter((n) => n.endsWith('.sql'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((n) => join(abs, n));
}

export function inlineSql(sql: string | string[] | undefined): SqlSource[] {
  if (sql === undefined) return [];
  const list = Array.isArray(sql) ? sql : [sql];
  return list.map((text, i) => ({ label: list.length === 1 ? 'sql option' : `sql[${i}]`, text }));
}

/** 1-based line of a 0-based character offset. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** 1-based line of a 1-based character position. */
function lineOf(text: string, position: string | undefined): number | undefined {
  const pos = Number(position);
  if (!Number.isFinite(pos) || pos < 1) return undefined;
  return lineAt(text, pos - 1);
}

export interface CreatedExtension {
  name: string;
  /** 1-based line of its CREATE EXTENSION */
  line: number;
}

/** The extensions a script creates with top-level CREATE EXTENSION (a script that does not parse creates none that we can see). */
function createdExtensions(text: string): CreatedExtension[] {
  // Only scripts that mention it are parsed (parsing every migration would cost each start).
  if (!/create\s+extension/i.test(text)) return [];
  try {
    return parseScript(text).flatMap((s) => {
      const ext = (s.stmt as { CreateExtensionStmt?: { extname?: string } }).CreateExtensionStmt;
      return ext?.extname ? [{ name: ext.extname, line: lineAt(text, s.start) }] : [];
    });
  } catch {
    return [];
  }
}

/** Every extension these sources create, for the embedded backend to load before it starts. */
export async function extensionsOf(sources: SqlSource[]): Promise<string[]> {
  if (!sources.some((s) => /create\s+extension/i.test(s.text))) return [];
  await loadParser();
  return [...new Set(sources.flatMap((s) => createdExtensions(s.text).map((e) => e.name)))];
}

// "extension "x" is not available" (PG 16+: 0A000) or "could not open extension control file" (PG 15: 58P01)
const EXTENSION_MISSING = new Set(['0A000', '58P01']);

/** When a statement of `source` failed because an extension it creates is missing here: which one, and where. */
async function missingExtension(conn: Connection, source: SqlSource, code: string): Promise<CreatedExtension | undefined> {
  if (!EXTENSION_MISSING.has(code)) return undefined;
  await loadParser();
  const created = createdExtensions(source.text);
  if (created.length === 0) return undefined;
  const available = new Set((await conn.query('SELECT name FROM pg_available_extensions')).rows.map((r) => String(r.name)));
  return created.find((e) => !available.has(e.name));
}

export interface ApplyOptions {
  /** the backend the SQL runs on, for the message about a missing extension */
  backend: BackendKind;
  /** what the sources are: migrations (and inline sql) or seed files */
  kind?: 'migration' | 'seed';
}

export async function applySql(conn: Connection, sources: SqlSource[], options: ApplyOptions): Promise<void> {
  for (const s of sources) {
    try {
      await conn.exec(s.text);
    } catch (cause) {
      const pgErr = postgresError(cause);
      if (!pgErr) throw cause;
      const missing = await missingExtension(conn, s, pgErr.code).catch(() => undefined);
      if (missing) {
        const { message, hint } = unavailableExtension(missing.name, options.backend);
        throw new MigrationFailedError({ file: s.label, line: missing.line, sqlState: pgErr.code, message, hint, cause });
      }
      const line = lineOf(s.text, pgErr.position);
      if (options.kind === 'seed') {
        throw new SeedFailedError(`seed ${line ? `${s.label}:${line}` : s.label} failed: ${pgErr.message} (SQLSTATE ${pgErr.code})`, {
          cause,
          hint: 'fix the statement at that line; seed files run with owner rights after the migrations and the inline sql',
        });
      }
      throw new MigrationFailedError({ file: s.label, line, sqlState: pgErr.code, message: pgErr.message, cause });
    }
  }
}
