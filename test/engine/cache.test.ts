/**
 * The cache of prepared databases: compact archives, least-recently-used eviction within limits,
 * atomic writes (no half-written entry, temp files of dead writers removed), damaged entries
 * rebuilt. The embedded backend's use of it runs against a real PGlite.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, chmodSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createTestDatabase } from '../../src/index.js';
import { BadArchiveError, pack, readArchiveHeader, snapshotDir, unpack, writeUnpacked, writtenBytes } from '../../src/backends/archive.js';
import { cleanCache, evict, listEntries, parseBytes, readEntry, resolveCache, writeEntry, type CacheConfig } from '../../src/backends/cache.js';
import { hostTag } from '../../src/backends/owner.js';

const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `pgrls-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('archive', () => {
  test('round trip, plain and gzipped: files, empty folders, modes; zero blocks come back as holes; equal blocks are stored once', async () => {
    const src = tempDir('src');
    mkdirSync(join(src, 'base/1'), { recursive: true });
    mkdirSync(join(src, 'pg_tblspc'));
    const data = Buffer.alloc(64 * 1024);
    data.write('head', 0);
    data.write('tail', 60 * 1024);
    writeFileSync(join(src, 'base/1/1259'), data);
    writeFileSync(join(src, 'base/1/1249'), data); // a copy, as template1 and postgres are of each other
    writeFileSync(join(src, 'PG_VERSION'), '18\n');
    chmodSync(join(src, 'PG_VERSION'), 0o600);
    const snapshot = snapshotDir(src, { what: 'test' });
    expect(snapshot.data.length).toBe(2 * 8192 + 3); // two distinct non-zero 8 kB blocks and PG_VERSION
    expect(writtenBytes(snapshot)).toBe(4 * 8192 + 3);
    const plain = await pack(snapshot);
    const gzipped = await pack(snapshot, true);
    expect(gzipped.length).toBeLessThan(plain.length);
    const u = await unpack(gzipped);
    expect((await unpack(plain)).data.equals(u.data)).toBe(true);
    const out = join(tempDir('out'), 'data');
    writeUnpacked(u, out);
    expect(readFileSync(join(out, 'base/1/1259')).equals(data)).toBe(true);
    expect(readFileSync(join(out, 'base/1/1249')).equals(data)).toBe(true);
    expect(readFileSync(join(out, 'PG_VERSION'), 'utf8')).toBe('18\n');
    expect(statSync(join(out, 'PG_VERSION')).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(out, 'pg_tblspc'))).toEqual([]);
    // blocks allocated: the two written 8 kB blocks, not 64 kB
    expect(statSync(join(out, 'base/1/1259')).blocks * 512).toBeLessThan(64 * 1024);
  });

  test('the header is readable without unpacking; a truncated or foreign file is refused', async () => {
    const src = tempDir('src');
    writeFileSync(join(src, 'f'), 'x'.repeat(10_000));
    const path = join(tempDir('arch'), 'a.pgdata');
    writeFileSync(path, await pack(snapshotDir(src, { pglite: '0.0.0', sources: ['a.sql'] })));
    expect(readArchiveHeader(path)).toEqual({ pglite: '0.0.0', sources: ['a.sql'] });
    const whole = readFileSync(path);
    await expect(unpack(whole.subarray(0, whole.length - 10))).rejects.toBeInstanceOf(BadArchiveError);
    const zipped = await pack(snapshotDir(src, {}), true);
    await expect(unpack(zipped.subarray(0, zipped.length - 10))).rejects.toBeInstanceOf(BadArchiveError);
    await expect(unpack(Buffer.from('PK\x03\x04 not ours'))).rejects.toBeInstanceOf(BadArchiveError);
  });
});

describe('limits', () => {
  test('from the option, else the environment, else 20 entries and 1 GiB', () => {
    expect(resolveCache(undefined, { PG_RLS_TEST_CACHE_DIR: '/x' })).toEqual({ dir: '/x', maxEntries: 20, maxBytes: 1024 ** 3 });
    expect(resolveCache(undefined, { PG_RLS_TEST_CACHE_DIR: '/x', PG_RLS_TEST_CACHE_MAX_BYTES: '500MB', PG_RLS_TEST_CACHE_MAX_ENTRIES: '5' })).toEqual({ dir: '/x', maxEntries: 5, maxBytes: 500 * 1024 ** 2 });
    expect(resolveCache({ dir: '/y', maxEntries: 3 }, { PG_RLS_TEST_CACHE_MAX_ENTRIES: '5' })).toMatchObject({ dir: '/y', maxEntries: 3 });
    expect(resolveCache('/z', {})).toMatchObject({ dir: '/z' });
    expect(resolveCache(false, {})).toBeUndefined();
    expect(() => resolveCache(undefined, { PG_RLS_TEST_CACHE_MAX_BYTES: 'lots' })).toThrow('PG_RLS_TEST_CACHE_MAX_BYTES must be a size such as 1GB or 500MB, got "lots"');
    expect(() => resolveCache(undefined, { PG_RLS_TEST_CACHE_MAX_ENTRIES: '-1' })).toThrow('PG_RLS_TEST_CACHE_MAX_ENTRIES must be a whole number, got "-1"');
    expect([parseBytes('1GB'), parseBytes('64 MiB'), parseBytes('2k'), parseBytes('1048576')]).toEqual([1024 ** 3, 64 * 1024 ** 2, 2048, 1048576]);
  });

  test('a wrong cache option is a TypeError naming it', async () => {
    await expect(createTestDatabase({ cache: { maxEntries: -1 } })).rejects.toThrow('"cache.maxEntries" option must be a whole number (0 or more), got -1');
    await expect(createTestDatabase({ cache: { max: 1 } as never })).rejects.toThrow('unknown option "cache.max" (known: dir, maxBytes, maxEntries)');
  });
});

describe('eviction and atomic writes', () => {
  const entry = async (text: string) => {
    const src = tempDir('e');
    writeFileSync(join(src, 'f'), text);
    return pack(snapshotDir(src, { text }));
  };
  const setAge = (cache: CacheConfig, key: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(cache.dir, `${key}.pgdata`), t, t);
  };

  test('least recently used first, beyond the number of entries; a read counts as a use; never the entry just stored', async () => {
    const cache: CacheConfig = { dir: tempDir('cache'), maxEntries: 10, maxBytes: 1024 ** 3 };
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) {
      writeEntry(cache, key, await entry(key));
      setAge(cache, key, 100 - i); // a oldest, d newest
    }
    expect(readEntry(cache, 'a')).toBeDefined(); // a is now the most recent
    expect(listEntries(cache.dir).map((e) => e.key)).toEqual(['a', 'd', 'c', 'b']);
    expect(evict({ ...cache, maxEntries: 2 })).toEqual(['b', 'c']);
    expect(listEntries(cache.dir).map((e) => e.key)).toEqual(['a', 'd']);
    setAge(cache, 'a', 200);
    setAge(cache, 'd', 100);
    writeEntry({ ...cache, maxEntries: 1 }, 'e', await entry('e'));
    expect(listEntries(cache.dir).map((e) => e.key)).toEqual(['e']);
    expect(evict({ ...cache, maxEntries: 0 }, 'e')).toEqual([]); // the one just stored stays
  });

  test('beyond the total size', async () => {
    const cache: CacheConfig = { dir: tempDir('cache'), maxEntries: 10, maxBytes: 1024 ** 3 };
    for (const [i, key] of ['a', 'b', 'c'].entries()) {
      writeEntry(cache, key, await entry(key.repeat(1000)));
      setAge(cache, key, 100 - i);
    }
    const size = listEntries(cache.dir)[0]!.bytes;
    expect(evict({ ...cache, maxBytes: 2 * size })).toEqual(['a']);
  });

  test('a temp file left by a dead writer is removed by the next write; a live writer\'s is kept; neither is an entry; directories of the old format go', async () => {
    const cache: CacheConfig = { dir: tempDir('cache'), maxEntries: 10, maxBytes: 1024 ** 3 };
    mkdirSync(cache.dir, { recursive: true });
    const dead = join(cache.dir, `.db-x.${hostTag()}-2147483646-abcd.tmp`); // no such PID
    const live = join(cache.dir, `.db-y.${hostTag()}-${process.pid}-abcd.tmp`);
    writeFileSync(dead, 'half');
    writeFileSync(live, 'half');
    const legacy = join(cache.dir, 'full-0123456789abcdef01234567'); // an entry of an earlier build: a 39 MB directory
    mkdirSync(legacy);
    writeFileSync(join(legacy, 'PG_VERSION'), '18\n');
    const foreign = join(cache.dir, 'full-notes');
    mkdirSync(foreign);
    expect(listEntries(cache.dir)).toEqual([]);
    writeEntry(cache, 'k', await entry('k'));
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(foreign)).toBe(true);
    rmSync(foreign, { recursive: true });
    expect(cleanCache(cache.dir)).toMatchObject({ entries: 1 });
    expect(readdirSync(cache.dir)).toEqual([]);
  });
});

describe('the embedded backend and the cache', () => {
  const migration = (name: string) => {
    const d = tempDir(`m-${name}`);
    writeFileSync(join(d, `${name}.sql`), `CREATE TABLE ${name} (id int PRIMARY KEY);`);
    return d;
  };

  test('entries are compact; the least recently used database is evicted; a hit refreshes it', async () => {
    const cache = { dir: tempDir('cache'), maxEntries: 2 };
    const [a, b, c] = [migration('a'), migration('b'), migration('c')];
    const start = async (migrations: string) => (await createTestDatabase({ migrations, cache })).close();
    await start(a);
    await start(b);
    await start(a); // a hit: a is now more recent than b
    await start(c);
    const entries = listEntries(cache.dir);
    expect(entries.map((e) => (e.header?.sources as string[])[0])).toEqual([join(c, 'c.sql'), join(a, 'a.sql')]);
    expect(entries[0]!.header).toMatchObject({ preset: 'neon', seed: false, pglite: expect.any(String) });
    for (const e of entries) expect(e.bytes).toBeLessThan(12 * 1024 ** 2); // a plain directory was 39 MB
  });

  test('a damaged entry is dropped and built again', async () => {
    const cache = { dir: tempDir('cache') };
    const sql = 'CREATE TABLE damaged (id int)';
    await (await createTestDatabase({ sql, cache })).close();
    const [e] = listEntries(cache.dir);
    truncateSync(e!.path, Math.floor(e!.bytes / 2));
    const db = await createTestDatabase({ sql, cache });
    expect((await db.owner.query('SELECT count(*)::int AS n FROM damaged')).rows).toEqual([{ n: 0 }]);
    await db.close();
    const [again] = listEntries(cache.dir);
    await expect(unpack(readFileSync(again!.path))).resolves.toMatchObject({ header: { sources: ['sql option'] } });
  });
});
