import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { withDatabase } from '../../src/backends/url.js';
import { main } from '../../src/cli/index.js';
import { POSTS_SQL } from '../helpers/schemas.js';
import { SERVER_URL } from '../helpers/backends.js';
import { sarifProblems } from '../helpers/sarif.js';

async function run(argv: string[], tty = false) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), stderrIsTTY: tty });
  return { code, stdout, stderr };
}

/** The URL of a url-backend test database (its description is postgres://host:port/name). */
function urlOf(db: TestDatabase): string {
  const name = db.description.replace(/^postgres:\/\/[^/]+\//, '').split(' ')[0]!;
  return withDatabase(SERVER_URL!, decodeURIComponent(name));
}

const BROKEN = `
CREATE TABLE notes (id int PRIMARY KEY, body text);
GRANT SELECT ON notes TO anonymous;`;

describe.skipIf(!SERVER_URL)('pg-rls-test audit against a server (PG_RLS_TEST_URL)', () => {
  let clean: TestDatabase;
  let broken: TestDatabase;
  beforeAll(async () => {
    [clean, broken] = await Promise.all([
      createTestDatabase({ backend: 'url', url: SERVER_URL, sql: POSTS_SQL }),
      createTestDatabase({ backend: 'url', url: SERVER_URL, sql: [POSTS_SQL, BROKEN] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([clean?.close(), broken?.close()]);
  });

  test('a clean schema exits 0', async () => {
    const r = await run(['audit', '--url', urlOf(clean)]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^audit of pgrls_\S+ \(schemas: public; 1 table, 0 views, 0 functions\): 0 errors, 0 warnings, 0 info, 0 waived\n$/);
  });

  test('errors exit 1, grouped by table with their fix', async () => {
    const r = await run(['audit', '--url', urlOf(broken)]);
    expect(r.code).toBe(1);
    expect(r.stdout.replace(/pgrls_\S+/, 'DB')).toBe(
      [
        'audit of DB (schemas: public; 2 tables, 0 views, 0 functions): 1 error, 0 warnings, 0 info, 0 waived',
        '',
        'public.notes',
        '  error   rls_disabled_exposed: row level security is disabled on public.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) and anonymous (SELECT) can reach through the Data API: every request sees and changes every row',
        '          fix: ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
        '',
        'fixes not tried: --verify-fixes applies each in a transaction that is rolled back and audits again',
        '',
      ].join('\n'),
    );
  });

  test('--verify-fixes tries each fix in a transaction that is rolled back, and labels one that does not close its finding', async () => {
    const r = await run(['audit', '--url', urlOf(broken), '--verify-fixes']);
    expect(r.code).toBe(1);
    expect(r.stdout.replace(/pgrls_\S+/, 'DB')).toBe(
      [
        'audit of DB (schemas: public; 2 tables, 0 views, 0 functions): 1 error, 0 warnings, 0 info, 0 waived; fixes tried: 0 verified, 1 not',
        '',
        'public.notes',
        '  error   rls_disabled_exposed: row level security is disabled on public.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) and anonymous (SELECT) can reach through the Data API: every request sees and changes every row',
        '          fix: -- a starting point, not verified (applied, it brings warning rls_enabled_no_policy)',
        '               ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
        '',
      ].join('\n'),
    );
    // nothing was written: the table is as it was
    const again = await run(['audit', '--url', urlOf(broken), '--format', 'json']);
    expect(JSON.parse(again.stdout).findings.map((f: { check: string }) => f.check)).toEqual(['rls_disabled_exposed']);
    const json = JSON.parse((await run(['audit', '--url', urlOf(broken), '--format', 'json', '--verify-fixes'])).stdout);
    expect(json.findings[0]).toMatchObject({ check: 'rls_disabled_exposed', fixVerified: false });
  });

  test('--ignore waives a finding, shows it as waived, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgrls-cli-'));
    const file = join(dir, 'waivers.json');
    writeFileSync(file, JSON.stringify([{ check: 'rls_disabled_exposed', object: 'public.notes', reason: 'public notice board' }]));
    const r = await run(['audit', '--url', urlOf(broken), '--ignore', file]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/pgrls_\S+/, 'DB')).toBe(
      ['audit of DB (schemas: public; 2 tables, 0 views, 0 functions): 0 errors, 0 warnings, 0 info, 1 waived', '', 'waived:', '  error   rls_disabled_exposed public.notes: public notice board', ''].join('\n'),
    );
  });

  test('--format json', async () => {
    const r = await run(['audit', '--url', urlOf(broken), '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.summary).toEqual({ errors: 1, warnings: 0, info: 0, waived: 0 });
    expect(out.audited).toEqual({ tables: 2, views: 0, functions: 0 });
    expect(out.findings).toEqual([
      expect.objectContaining({ check: 'rls_disabled_exposed', level: 'error', object: 'public.notes', table: 'public.notes', fix: 'ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;' }),
    ]);
    expect(out.checks.length).toBeGreaterThanOrEqual(30);
  });

  test('--format sarif is a SARIF 2.1.0 log that code scanning accepts', async () => {
    const r = await run(['audit', '--url', urlOf(broken), '--format', 'sarif']);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifProblems(log)).toEqual([]);
    const run0 = log.runs[0];
    expect(run0.tool.driver.name).toBe('pg-rls-test');
    expect(run0.tool.driver.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(run0.results).toEqual([
      expect.objectContaining({
        ruleId: 'rls_disabled_exposed',
        level: 'error',
        ruleIndex: run0.tool.driver.rules.findIndex((x: { id: string }) => x.id === 'rls_disabled_exposed'),
        // a live database: no migration file is known, so the file is a stand-in (code scanning needs one)
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: 'pg-rls-test-audit.sql' }, region: { startLine: 1 } },
            logicalLocations: [expect.objectContaining({ name: 'public.notes', kind: 'resource' })],
            message: { text: 'public.notes, in a live database (pg-rls-test audit --migrations <folder> shows the line of the migration that creates it)' },
          },
        ],
      }),
    ]);
  });

  test('--schema, --authenticated-role and --anonymous-role', async () => {
    const r = await run(['audit', '--url', urlOf(broken), '--schema', 'public', '--schema', 'auth', '--anonymous-role', 'pgrls_nobody', '--format', 'json']);
    const out = JSON.parse(r.stdout);
    expect(out.findings.map((f: { check: string; object: string }) => `${f.check} ${f.object}`)).toEqual([
      'rls_disabled_exposed public.notes',
      'api_role_missing pgrls_nobody',
    ]);
  });

  test('--schema that does not exist exits 2 naming it and its close match', async () => {
    const r = await run(['audit', '--url', urlOf(clean), '--schema', 'public', '--schema', 'pubic']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/^pg-rls-test: in \S+\/pgrls_\S+: schema "pubic" does not exist; did you mean "public"\?\nhint: create it in a migration \(CREATE SCHEMA "pubic";\) or check the name\n$/);
    const none = await run(['audit', '--url', urlOf(clean), '--schema', 'nosuch']);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toMatch(/^pg-rls-test: in \S+\/pgrls_\S+: schema "nosuch" does not exist\nhint: create it in a migration \(CREATE SCHEMA "nosuch";\) or check the name\n$/);
  });

  test('a progress line on a terminal only, cleared at the end', async () => {
    const quiet = await run(['audit', '--url', urlOf(clean)]);
    expect(quiet.stderr).toBe('');
    const tty = await run(['audit', '--url', urlOf(clean)], true);
    expect(tty.stderr).toContain('pg-rls-test audit: reading the catalog of');
    expect(tty.stderr).toMatch(/running \d+ checks…\r\x1b\[K$/);
  });
});

describe('usage errors and unreachable databases exit 2', () => {
  test.each([
    [[], 'missing command (commands: audit, cache, prepare, mutate)'],
    [['lint'], 'unknown command "lint" (commands: audit, cache, prepare, mutate)'],
    [['audit', 'extra'], 'unexpected argument "extra"'],
    [['audit', '--url', 'postgres://x/y', '--format', 'xml'], '--format must be text, json or sarif, got "xml"'],
    [['audit', '--url', 'mysql://x/y'], '--url must be a postgres:// URL, got "mysql://x/y"'],
    [['audit', '--url', 'postgres://x/y', '--bogus'], "Unknown option '--bogus'"],
    [['audit', '--url', 'postgres://x/y', '--ignore', '/nonexistent/waivers.json'], 'cannot read the --ignore file /nonexistent/waivers.json'],
  ])('%j', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`pg-rls-test: ${message}`);
  });

  test('a waiver file with a bad waiver names the file and the waiver', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgrls-cli-'));
    const file = join(dir, 'w.json');
    writeFileSync(file, JSON.stringify([{ check: 'no_such_check', object: 'public.x' }]));
    const r = await run(['audit', '--url', 'postgres://127.0.0.1:1/x', '--ignore', file]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: `pg-rls-test: in ${file}: "ignore" option: waiver 0 names unknown check "no_such_check"\n` });
  });

  test('a server that cannot be reached', async () => {
    const r = await run(['audit', '--url', 'postgres://postgres@127.0.0.1:1/postgres', '--connect-timeout', '2000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^pg-rls-test: cannot connect to 127\.0\.0\.1:1\/postgres: .*ECONNREFUSED/);
  });

  test('--help prints the usage and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: pg-rls-test <command> [options]');
    expect(r.stdout).toContain('usage: pg-rls-test audit --url <postgres url> [options]');
    const sub = await run(['audit', '--help']);
    expect(sub).toMatchObject({ code: 0, stderr: '' });
    expect(sub.stdout).toMatch(/^usage: pg-rls-test audit --url/);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});
