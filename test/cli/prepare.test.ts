/** `pg-rls-test prepare` and prepareTestDatabase(): the first test start is then a cache hit. */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createTestDatabase, prepareTestDatabase, type Transaction } from '../../src/index.js';
import { listEntries } from '../../src/backends/cache.js';
import { main } from '../../src/cli/index.js';

const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `pgrls-prepare-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** Whether a start with these options is served from the cache: a hit touches the entry. */
async function startsFromCache(cache: string, options: Parameters<typeof createTestDatabase>[0]): Promise<boolean> {
  const [entry] = listEntries(cache);
  if (!entry) return false;
  const past = new Date(Date.now() - 3600_000);
  utimesSync(entry.path, past, past);
  await (await createTestDatabase({ ...options, cache })).close();
  return listEntries(cache).length === 1 && listEntries(cache)[0]!.lastUsed.getTime() > past.getTime();
}

test('the CLI builds the database the tests will ask for; a second call finds it', async () => {
  const cache = tempDir('cache');
  const migrations = tempDir('migrations');
  writeFileSync(join(migrations, '001_notes.sql'), 'CREATE TABLE notes (id int PRIMARY KEY)');
  const first = await run(['prepare', '--migrations', migrations, '--dir', cache]);
  expect(first).toMatchObject({ code: 0, stderr: '' });
  expect(first.stdout).toMatch(new RegExp(`^prepared in \\d+\\.\\d s, in ${cache}: PGlite [\\d.]+; preset neon; ${join(migrations, '001_notes.sql')} \\(\\d+\\.\\d MB\\)\\n$`));
  const second = await run(['prepare', '--migrations', migrations, '--dir', cache]);
  expect(second.stdout).toMatch(/^already prepared: the database for these options is in \S+ \(checked in \d+\.\d s\)\n$/);
  expect(await startsFromCache(cache, { migrations })).toBe(true);
});

test('a failing migration exits 1 with the error; bad usage exits 2', async () => {
  const migrations = tempDir('bad');
  writeFileSync(join(migrations, '001_bad.sql'), 'CREATE TABLE (');
  const failed = await run(['prepare', '--migrations', migrations, '--dir', tempDir('cache')]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(/^pg-rls-test: MigrationFailedError: .*001_bad\.sql/);
  const usage = await run(['prepare', '--preset', 'firebase']);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain('pg-rls-test: --preset must be neon, supabase or none, got "firebase"');
});

test('prepareTestDatabase() (for a globalSetup) prepares what the same options start, seed included; other backends: nothing', async () => {
  const cache = tempDir('api');
  const options = { sql: 'CREATE TABLE seeded (id int)', seed: async (owner: Transaction) => void (await owner.insert('seeded', { id: 1 })) };
  await prepareTestDatabase({ ...options, cache });
  expect(listEntries(cache)).toHaveLength(1);
  expect(await startsFromCache(cache, options)).toBe(true);
  await expect(prepareTestDatabase({ backend: 'url', url: 'postgres://127.0.0.1:1/none' })).resolves.toBeUndefined();
});
