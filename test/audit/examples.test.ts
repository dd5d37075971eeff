/**
 * Precision on real schemas: every example project under examples/ audits without an error or a
 * warning (a check that flags a correct schema is a bug), on both backends.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { forEachBackend } from '../helpers/backends.js';

/** Each example's migrations, and the info findings it has on purpose. */
const EXAMPLES: { name: string; migrations: string; info: string[] }[] = [
  { name: 'posts', migrations: '../../examples/posts/migrations', info: [] },
  {
    name: 'multi-tenant',
    migrations: '../../examples/multi-tenant/migrations',
    // orgs and memberships are read-only through the API, yet hold the Data API's CRUD grants
    info: ['command_granted_without_policy public.memberships', 'command_granted_without_policy public.orgs'],
  },
  { name: 'drizzle', migrations: '../../examples/drizzle/drizzle', info: [] },
];

forEachBackend((backend) => {
  for (const example of EXAMPLES) {
    describe(`examples/${example.name}`, () => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await createTestDatabase({ ...backend.options, migrations: fileURLToPath(new URL(example.migrations, import.meta.url)) });
      });
      afterAll(() => db?.close());

      test('audits without an error or a warning', async () => {
        const r = await db.audit();
        expect(r.findings.filter((f) => f.level !== 'info').map((f) => `${f.check} ${f.object}: ${f.message}`)).toEqual([]);
        expect(r.findings.map((f) => `${f.check} ${f.object}`)).toEqual(example.info);
      });
    });
  }
});
