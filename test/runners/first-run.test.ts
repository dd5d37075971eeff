/**
 * A first run on a machine with an empty cache, with the runners' default timeouts: the posts
 * example in a real Vitest run over the built package (Jest's is in jest.test.ts), and a hook
 * that times out while the database starts, whose error must name the step it was in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, expect, test } from 'vitest';
import { assertBuilt, ROOT } from './built.js';

function vitest(config: string, files: string[], cache: string) {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config, ...files], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PG_RLS_TEST_BACKEND: 'embedded', PG_RLS_TEST_CACHE_DIR: cache },
    timeout: 120_000,
  });
  return { status: run.status, out: stripVTControlCharacters(run.stdout + run.stderr) };
}

beforeAll(() => assertBuilt());

test('a first Vitest run on a machine with an empty cache passes with the default 10 s hook timeout', () => {
  const cache = mkdtempSync(join(tmpdir(), 'pgrls-vitest-cold-'));
  try {
    const { status, out } = vitest('test/runners/first-run.vitest.config.ts', [], cache);
    // every test of the posts example passed (their number changes as the example grows)
    expect(out).toMatch(/Tests\s+(\d+) passed \(\1\)/);
    expect(status).toBe(0);
    expect(readdirSync(cache).filter((n) => n.endsWith('.pgdata'))).toHaveLength(1); // it was cold: the run built the entry
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}, 120_000);

test('a hook that times out while the database starts: the run names the step it was in', () => {
  const cache = mkdtempSync(join(tmpdir(), 'pgrls-vitest-slow-'));
  try {
    const { status, out } = vitest('test/fixtures/vitest.config.ts', ['test/fixtures/slow-start.fixture.ts'], cache);
    expect(status).toBe(1);
    expect(out).toContain('Hook timed out in 1ms');
    expect(out).toMatch(/StartUnfinishedError: createTestDatabase\(\) had not finished when the test file ended: after \d+\.\d s it was still [a-z]/);
    expect(out).toContain('build it before the tests with `npx pg-rls-test prepare` or a globalSetup (README: "The first run"), or give the hook more time');
    expect(out).not.toContain('TypeError');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}, 120_000);
