/**
 * The audit step of github-actions.yml, run as written (a shell, the built CLI, SARIF to a file)
 * against a migrated database on the local server: exit 1 on errors, and a SARIF file that the
 * upload step accepts (version 2.1.0, rules and results with locations by object name).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from 'pg-rls-test';
import { assertBuilt, ROOT } from '../../test/runners/built.js';

const SERVER = process.env.PG_RLS_TEST_URL;
const STEP = 'npx pg-rls-test audit --url "$PG_RLS_TEST_URL" --schema public --format sarif > audit.sarif';

let db: TestDatabase;
beforeAll(async () => {
  if (!SERVER) return;
  assertBuilt();
  db = await createTestDatabase({
    backend: 'url',
    url: SERVER,
    migrations: join(ROOT, 'examples/posts/migrations'),
    sql: 'CREATE TABLE notes (id int PRIMARY KEY, body text)', // the mistake the audit must report
  });
});
afterAll(async () => {
  await db?.close();
});

test('the workflow runs that very command', () => {
  expect(readFileSync(join(ROOT, 'examples/ci/github-actions.yml'), 'utf8')).toContain(`run: ${STEP}`);
});

test.skipIf(!SERVER)('the audit step exits 1 on an error and writes SARIF 2.1.0 for upload-sarif', () => {
  const database = db.description.split('/').pop()!;
  const url = new URL(SERVER!);
  url.pathname = `/${database}`;
  // in the repository npx resolves pg-rls-test to this package's own bin (dist/cli.js), as it
  // does to the installed one in a project; the report is written where the workflow writes it
  const r = spawnSync('bash', ['-c', STEP], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PG_RLS_TEST_URL: url.toString() } });
  const report = join(ROOT, 'audit.sarif');
  let text: string;
  try {
    text = readFileSync(report, 'utf8');
  } finally {
    rmSync(report, { force: true });
  }
  expect(r.stderr).toBe('');
  expect(r.status).toBe(1);
  const sarif = JSON.parse(text);
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
  const run = sarif.runs[0];
  expect(run.tool.driver.name).toBe('pg-rls-test');
  const errors = run.results.filter((x: { level: string }) => x.level === 'error');
  expect(errors.map((x: { ruleId: string }) => x.ruleId)).toEqual(['rls_disabled_exposed']);
  expect(JSON.stringify(errors[0].locations)).toContain('public.notes');
  expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toContain('rls_disabled_exposed');
}, 60_000);
