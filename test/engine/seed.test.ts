/**
 * A seed function runs on every start, on top of the cached database: its source says nothing
 * about the data it writes (here the data comes from an object another module could change, as
 * a fixture file imported by the seed), so it is no part of the cache key. reset() returns to
 * the seeded state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { createTestDatabase, type Transaction } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'pgrls-seed-cache-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** What a fixture module would export; the seed below imports it. */
const fixture = { posts: ['first version'] };
const seed = async (owner: Transaction) => {
  for (const content of fixture.posts) await owner.insert('posts', { content });
};
const sql = 'CREATE TABLE posts (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, content text NOT NULL)';

forEachBackend((backend) => {
  const options = { ...backend.options, sql, seed, ...(backend.name === 'embedded' ? { cache: { dir: cacheDir } } : {}) };
  const contents = async (db: Awaited<ReturnType<typeof createTestDatabase>>) =>
    (await db.owner.query('SELECT id, content FROM posts ORDER BY id')).rows;

  test('the data a seed function writes is never taken from the cache: a changed fixture shows at the next start', async () => {
    fixture.posts = ['first version'];
    await using first = await createTestDatabase(options);
    expect(await contents(first)).toEqual([{ id: 1, content: 'first version' }]);
    fixture.posts = ['second version', 'and one more'];
    await using second = await createTestDatabase(options); // same function source, same SQL
    expect(await contents(second)).toEqual([
      { id: 1, content: 'second version' },
      { id: 2, content: 'and one more' },
    ]);
  });

  test('reset() returns to the seeded state (the same rows, the same ids)', async () => {
    fixture.posts = ['seeded'];
    await using db = await createTestDatabase(options);
    await db.owner.insert('posts', { content: 'written by a test' });
    await db.owner.query("UPDATE posts SET content = 'changed' WHERE id = 1");
    await db.reset();
    expect(await contents(db)).toEqual([{ id: 1, content: 'seeded' }]);
    await db.owner.insert('posts', { content: 'after reset' });
    expect(await contents(db)).toEqual([
      { id: 1, content: 'seeded' },
      { id: 2, content: 'after reset' },
    ]);
  });
});
