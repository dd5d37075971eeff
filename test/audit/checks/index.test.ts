/** The layout: every check lives in one file of src/audit/checks/, and every such file has its scenarios here. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import * as classes from '../../../src/audit/checks/index.js';
import type { Check } from '../../../src/audit/index.js';

const SRC = fileURLToPath(new URL('../../../src/audit/checks/', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));

test('every check is in exactly one file of checks, and CHECKS lists each once', () => {
  const perFile = Object.entries(classes).filter(([k]) => k.endsWith('_CHECKS')) as [string, readonly Check[]][];
  const ids = perFile.flatMap(([, cs]) => cs.map((c) => c.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual(classes.CHECKS.map((c) => c.id).sort());
  expect(new Set(classes.CHECKS.map((c) => c.id)).size).toBe(classes.CHECKS.length);
});

test('every file of checks has its test file beside the others', () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith('.ts') && !f.startsWith('_') && f !== 'index.ts');
  expect(files.length).toBeGreaterThan(0);
  expect(files.filter((f) => !existsSync(`${HERE}${f.replace(/\.ts$/, '.test.ts')}`))).toEqual([]);
});

test("the docs' list of checks (docs/audit.md) is CHECKS, in order, each with its level", () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/audit.md', import.meta.url)), 'utf8');
  const from = doc.indexOf('\n## The checks');
  expect(from).toBeGreaterThan(0);
  const next = doc.indexOf('\n## ', from + 1);
  const table = doc.slice(from, next === -1 ? undefined : next);
  const rows = table
    .split('\n')
    .filter((l) => /^\| `[a-z_]+` \| /.test(l))
    .map((l) => l.split(' | '));
  expect(rows.map((r) => r[0]!.slice(3, -1))).toEqual(classes.CHECKS.map((c) => c.id));
  for (const [i, c] of classes.CHECKS.entries()) expect(rows[i]![1]!.split(', '), c.id).toContain(c.level);
  expect(doc).toContain(`${classes.CHECKS.length} checks, listed below`);
});
