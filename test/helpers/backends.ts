/**
 * Runs a suite once per backend that can run here: embedded always; url when PG_RLS_TEST_URL
 * points at a server (.ci/postgres.sh start prints one). A skipped backend says why in its name.
 *
 *   forEachBackend((backend) => {
 *     let db: TestDatabase;
 *     beforeAll(async () => { db = await createTestDatabase({ ...backend.options, sql: SCHEMA }); });
 *     afterAll(() => db?.close());
 *     test('...', async () => { ... });
 *   });
 */
import { describe } from 'vitest';
import type { TestDatabaseOptions } from '../../src/index.js';

export interface BackendCase {
  name: 'embedded' | 'url';
  options: Pick<TestDatabaseOptions, 'backend' | 'url'>;
}

export const SERVER_URL = process.env.PG_RLS_TEST_URL;

export const BACKENDS: BackendCase[] = [
  { name: 'embedded', options: { backend: 'embedded' } },
  { name: 'url', options: { backend: 'url', url: SERVER_URL } },
];

export function forEachBackend(suite: (backend: BackendCase) => void): void {
  for (const backend of BACKENDS) {
    if (backend.name === 'url' && !SERVER_URL) {
      describe.skip(`url backend (skipped: PG_RLS_TEST_URL is not set; run .ci/postgres.sh start and export PG_RLS_TEST_URL=<the URL it prints>)`, () => {
        suite(backend);
      });
    } else {
      describe(`${backend.name} backend`, () => suite(backend));
    }
  }
}
