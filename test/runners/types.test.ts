/**
 * Type tests with expect-type, compiled by tsc against the built .d.ts files: the matchers exist
 * on Vitest's and Jest's expect with checked arguments, and a wrong argument is a type error.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { assertBuilt, ROOT } from './built.js';

const tsc = (project: string) =>
  spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'test/types', project, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });

beforeAll(() => assertBuilt());

test.each(['vitest', 'jest'])('the %s augmentation type-checks', (runner) => {
  const r = tsc(runner);
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 60_000);

test('a wrong argument is a type error', () => {
  const r = tsc('wrong');
  expect(r.status).not.toBe(0);
  expect(r.stdout).toContain("wrong.ts(7,46): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'.");
}, 60_000);
