/**
 * What `npm pack` puts in the tarball, file by file (tsup.config.ts says why): each source
 * module's code in one built file per format, so the library's entries, the command and the
 * runners' modules loaded into one process share its classes and state; no source maps; the
 * command's file alone starts with a hashbang.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { assertBuilt, ROOT } from '../runners/built.js';

let files: string[];
beforeAll(() => {
  assertBuilt();
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack --dry-run failed (exit ${r.status}):\n${r.stderr}`);
  files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}, 60_000);

const text = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The modules whose code a built file holds: esbuild starts each module's code with a `// <its path>` line. */
const modulesOf = (code: string) => new Set([...code.matchAll(/^\/\/ ((?:src|matchers|node_modules)\/\S+\.[cm]?[jt]sx?)$/gm)].map((m) => m[1]!));

test.each([
  ['ES modules', '.js'],
  ['CommonJS', '.cjs'],
])("%s: each module's code is in exactly one file", (_, ext) => {
  const where = new Map<string, string[]>();
  for (const f of files.filter((f) => f.endsWith(ext))) {
    for (const m of modulesOf(text(f))) where.set(m, [...(where.get(m) ?? []), f]);
  }
  expect(where.has('src/refs.ts')).toBe(true);
  expect([...where].filter(([, found]) => found.length > 1)).toEqual([]);
});

test('no source maps, nor a reference to one', () => {
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  expect(files.filter((f) => /\.c?js$/.test(f) && text(f).includes('//# sourceMappingURL='))).toEqual([]);
});

test('the command (package.json "bin") alone starts with a hashbang', () => {
  const bin = (JSON.parse(text('package.json')) as { bin: Record<string, string> }).bin['pg-rls-test']!.replace(/^\.\//, '');
  expect(files.filter((f) => /\.c?js$/.test(f) && text(f).startsWith('#!'))).toEqual([bin]);
});
