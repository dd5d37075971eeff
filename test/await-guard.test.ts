import { spawnSync } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { expect, test } from 'vitest';
import { createTestDatabase } from '../src/index.js';

test('an un-awaited matcher fails its test, naming the matcher (a real Vitest run)', () => {
  const run = spawnSync('npx', ['vitest', 'run', '--config', 'test/fixtures/vitest.config.ts', 'test/fixtures/unawaited.fixture.ts'], {
    encoding: 'utf8',
    env: { ...process.env, PG_RLS_TEST_BACKEND: 'embedded' },
    timeout: 120_000,
  });
  const out = stripVTControlCharacters(run.stdout + run.stderr);
  expect(run.status).toBe(1);
  expect(out).toContain('MatcherNotAwaitedError: toHaveRlsEnabled() was not awaited in "forgets to await": the assertion ran after the test ended, so its result was lost');
  expect(out).toMatch(/1 failed \| 1 passed|Tests\s+1 failed \| 1 passed/);
});

test('install(expect, hooks) from pg-rls-test/matchers adds the same guard to a registration by hand (a real Vitest run)', () => {
  const run = spawnSync('npx', ['vitest', 'run', '--config', 'test/fixtures/vitest.install.config.ts'], {
    encoding: 'utf8',
    env: { ...process.env, PG_RLS_TEST_BACKEND: 'embedded' },
    timeout: 120_000,
  });
  const out = stripVTControlCharacters(run.stdout + run.stderr);
  expect(run.status).toBe(1);
  expect(out).toContain('MatcherNotAwaitedError: toHaveRlsEnabled() was not awaited in "forgets to await a failing matcher": the assertion ran after the test ended, so its result was lost');
  expect(out).toMatch(/1 failed \| 1 passed|Tests\s+1 failed \| 1 passed/);
});

test('install() refuses an expect without extend, and a runner without afterEach', async () => {
  const { install } = await import('../matchers/index.js');
  expect(() => install({} as never, { afterEach: () => undefined })).toThrow(TypeError);
  expect(() => install(Object.assign(() => undefined, { extend: () => undefined }), {} as never)).toThrow(/install\(expect\) found no afterEach/);
});

test("a failing matcher's error has the test's line in its stack: Vitest makes it where there is none, and then shows no file and line", async () => {
  const db = await createTestDatabase({ sql: 'CREATE TABLE open_table (id int)' });
  try {
    const failed = await expect(db.table('open_table')).toHaveRlsEnabled().then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect((failed as Error).message).toContain('toHaveRlsEnabled');
    expect((failed as Error).stack).toMatch(/test\/await-guard\.test\.ts:\d+:\d+/);
  } finally {
    await db.close();
  }
});
