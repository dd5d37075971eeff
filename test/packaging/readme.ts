/**
 * The README's quick start as files: every fenced block of its "## Quick start" section whose
 * first line is a comment naming a file (`// posts.test.ts`, `-- migrations/001_posts.sql`),
 * written as it stands, comment included, as a reader copying it would.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../runners/built.js';

export function quickStartFiles(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): Map<string, string> {
  const from = readme.indexOf('\n## Quick start\n');
  if (from === -1) throw new Error('README.md has no "## Quick start" section');
  const end = readme.indexOf('\n## ', from + 1);
  const section = readme.slice(from, end === -1 ? undefined : end);
  const files = new Map<string, string>();
  for (const m of section.matchAll(/```[a-z]*\n((?:\/\/|--) ([\w./-]+)\n[\s\S]*?)```/g)) files.set(m[2]!, m[1]!);
  return files;
}

/** Writes the files into `dir`, creating their folders. */
export function writeFiles(dir: string, files: Map<string, string>): void {
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/**
 * The README's other TypeScript samples (```ts blocks that name no file and import nothing): each
 * wrapped in a function of its own that receives what samples take as given (`db`, a raw JWT), so
 * that `tsc` judges them against the published types.
 */
export function typeScriptSamples(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): string[] {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const samples = blocks.filter((b) => !/^(\/\/|--) [\w./-]+\n/.test(b) && !/^(import|export) /m.test(b));
  return samples.map(
    (b, i) =>
      `import 'pg-rls-test/vitest';\nimport { expect } from 'vitest';\nimport { createTestDatabase, formatAccessMatrix, formatAuditJson, formatAuditSarif, formatAuditText, type TestDatabase } from 'pg-rls-test';\n` +
      `export async function sample${i}(db: TestDatabase, rawJwt: string): Promise<void> {\n  {\n${b}  }\n}\n`,
  );
}
