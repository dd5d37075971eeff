/**
 * Where each mutant's object was made: the statement of a migration file (or inline SQL) that
 * creates it (src/sql/locate.ts finds it with the parser). What no source shows (the preset's
 * grants, the seed's DDL) is listed in a generated file, one line per object: the SQL of its
 * original state.
 */
import { relative } from 'node:path';
import { findStatement, parseSources, type ParsedSource } from '../sql/locate.js';
import type { Mutant, SourceFile } from './types.js';
import type { SetupRecord } from './worker.js';

export const GENERATED_FILE = 'pg-rls-test (objects not created by a migration).sql';

/** Sets `location` on every mutant and returns the files they point into. */
export function locateMutants(mutants: Mutant[], setups: SetupRecord[], cwd: string): SourceFile[] {
  const named = new Map<string, { name: string; text: string }>();
  for (const s of setups) {
    for (const src of s.sources) {
      const inline = !src.label.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(src.label);
      const name = inline ? `${s.testFile ? relative(cwd, s.testFile) : 'inline'} (${src.label})` : relative(cwd, src.label);
      if (!named.has(name)) named.set(name, { name, text: src.text });
    }
  }
  const parsed: ParsedSource[] = parseSources([...named.values()]);
  const generated: string[] = [];
  const used = new Set<string>();
  for (const m of mutants) {
    const found = findStatement(parsed, m.locate);
    if (found) {
      used.add(found.file);
      m.location = found;
      continue;
    }
    const line = `-- ${m.object}: ${m.undo};`;
    let at = generated.indexOf(line);
    if (at < 0) at = generated.push(line) - 1;
    m.location = { file: GENERATED_FILE, start: { line: at + 1, column: 1 }, end: { line: at + 1, column: line.length + 1 } };
  }
  const files: SourceFile[] = parsed.filter((p) => used.has(p.name)).map((p) => ({ name: p.name, source: p.text }));
  if (generated.length) files.push({ name: GENERATED_FILE, source: `${generated.join('\n')}\n` });
  return files;
}
