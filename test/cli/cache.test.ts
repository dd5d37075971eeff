/** `pg-rls-test cache` and `cache clean`, over a real cache and working copies. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createTestDatabase } from '../../src/index.js';
import { main } from '../../src/cli/index.js';

const CACHE = mkdtempSync(join(tmpdir(), 'pgrls-cli-cache-'));
const WORK = mkdtempSync(join(tmpdir(), 'pgrls-cli-work-'));
process.env.PG_RLS_TEST_WORKDIR = WORK;
afterAll(() => {
  rmSync(CACHE, { recursive: true, force: true });
  rmSync(WORK, { recursive: true, force: true });
});

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

test('lists entries with size, last use and what built them, the limits, and the working copies; clean removes them', async () => {
  const migrations = mkdtempSync(join(tmpdir(), 'pgrls-cli-mig-'));
  writeFileSync(join(migrations, '001_notes.sql'), 'CREATE TABLE notes (id int)');
  const db = await createTestDatabase({ migrations, cache: CACHE, seed: async () => undefined });
  const dead = join(WORK, 'pg-rls-test-2147483646-dead00'); // a copy whose process is gone
  mkdirSync(dead);
  try {
    const listed = await run(['cache', '--dir', CACHE]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${CACHE}: 1 prepared database, \\d+\\.\\d MB \\(limits: 20 entries, 1\\.0 GB; the least recently used go first\\)$`));
    expect(lines[2]).toMatch(new RegExp(`^ +\\d+\\.\\d MB  \\d+ s ago +PGlite \\d+\\.\\d+\\.\\d+; preset neon; ${join(migrations, '001_notes.sql')}; seed$`));
    expect(listed.stdout).toMatch(/\nworking copies \(\d+\):\n/); // also other runs' on this machine
    expect(listed.stdout).toMatch(new RegExp(`${WORK}/pg-rls-test-${process.pid}-\\w{6}  in use by process ${process.pid}\\n`));
    expect(listed.stdout).toContain(`${dead}  left by process 2147483646, which is gone (removed by the next start or 'cache clean')`);

    const cleaned = await run(['cache', 'clean', '--dir', CACHE]);
    expect(cleaned).toMatchObject({ code: 0, stderr: '' });
    expect(cleaned.stdout).toMatch(/^removed 1 prepared database \(\d+\.\d MB\) from \S+, and \d+ working cop(y|ies) of finished processes\n$/);
    expect(existsSync(dead)).toBe(false);
    expect((await run(['cache', '--dir', CACHE])).stdout).toMatch(/: 0 prepared databases, 0 B /);
    // the open database is untouched
    expect((await db.owner.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 0 }]);
  } finally {
    await db.close();
    rmSync(migrations, { recursive: true, force: true });
  }
});

test('bad usage exits 2 with the usage', async () => {
  const r = await run(['cache', 'purge']);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('pg-rls-test: unknown cache command "purge" (known: clean)');
  expect(r.stderr).toContain('usage: pg-rls-test cache [clean] [--dir <folder>]');
});
