/**
 * The error classes: each exported one is thrown somewhere (no class a user would catch in vain),
 * the README's errors table lists each code, and a message ends with its hint (Vitest and Jest
 * print the message only).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import * as api from '../../src/index.js';
import { ROOT } from '../runners/built.js';

const classes = Object.entries(api).filter(
  ([, v]) => typeof v === 'function' && v !== api.PgRlsTestError && v.prototype instanceof api.PgRlsTestError,
) as [string, typeof api.PgRlsTestError][];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every exported error class is thrown somewhere, and listed in the README by its code', () => {
  const code = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'matchers'))]
    .filter((f) => !f.endsWith('errors.ts') && !f.endsWith('.test.ts'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  // the "### Errors" part of "## Troubleshooting and errors", up to the next section
  const from = readme.indexOf('\n### Errors\n');
  expect(from).toBeGreaterThan(0);
  const table = readme.slice(from, readme.indexOf('\n## ', from));
  expect(classes.length).toBeGreaterThan(10);
  const unthrown = classes.filter(([name]) => !new RegExp(`new ${name}\\(`).test(code)).map(([name]) => name);
  expect(unthrown).toEqual([]);
  // `ERR_PGRLS_UNKNOWN_TABLE` / `_COLUMN` ... share a row
  const unlisted = classes.map(([, cls]) => cls.code).filter((c) => !table.includes(`\`${c}\``) && !table.includes(`\`_${c.split('_').pop()}\``));
  expect(unlisted).toEqual([]);
});

test('a message ends with its hint; hint and summary stay fields', () => {
  const e = new api.InvalidSubjectError('toBeDeniedByRls() expects a pending request', { hint: 'pass the call itself, without awaiting it' });
  expect(e.message).toBe('toBeDeniedByRls() expects a pending request\nhint: pass the call itself, without awaiting it');
  expect(e).toMatchObject({ summary: 'toBeDeniedByRls() expects a pending request', hint: 'pass the call itself, without awaiting it', code: 'ERR_PGRLS_INVALID_SUBJECT' });
  expect(new api.InvalidSubjectError('no hint').message).toBe('no hint');
});
