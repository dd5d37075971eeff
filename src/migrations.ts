/** Reading and applying migrations: files in name order, then inline SQL; errors name file and line. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MigrationFailedError } from './errors.js';
import type { Connection } from './backends/types.js';
import { postgresError } from './backends/types.js';

export interface SqlSource {
  /** file path, or `sql[0]` for inline SQL */
  label: string;
  text: string;
}

export function readMigrations(migrations: string | string[] | undefined): SqlSource[] {
  if (migrations === undefined) return [];
  const files = typeof migrations === 'string' ? listFolder(migrations) : migrations.map((f) => resolve(f));
  return files.map((file) => {
    try {
      return { label: file, text: readFileSync(file, 'utf8') };
    } catch (cause) {
      throw new MigrationFailedError({ file, message: `cannot read the file (${(cause as Error).message})`, cause });
    }
  });
}

function listFolder(dir: string): string[] {
  const abs = resolve(dir);
  let names: string[];
  try {
    if (!statSync(abs).isDirectory()) return [abs];
    names = readdirSync(abs);
  } catch (cause) {
    throw new MigrationFailedError({ file: abs, message: 'the "migrations" folder does not exist', cause });
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

/** 1-based line of a 1-based character position. */
function lineOf(text: string, position: string | undefined): number | undefined {
  const pos = Number(position);
  if (!Number.isFinite(pos) || pos < 1) return undefined;
  return text.slice(0, pos - 1).split('\n').length;
}

export async function applySql(conn: Connection, sources: SqlSource[]): Promise<void> {
  for (const s of sources) {
    try {
      await conn.exec(s.text);
    } catch (cause) {
      const pgErr = postgresError(cause);
      if (!pgErr) throw cause;
      throw new MigrationFailedError({ file: s.label, line: lineOf(s.text, pgErr.position), sqlState: pgErr.code, message: pgErr.message, cause });
    }
  }
}
