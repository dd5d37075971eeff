/**
 * `pg-rls-test audit --migrations`: a project's migrations audited with no server of its own (the
 * local backend), or in a throw-away database on a server (--url); exit codes as the live audit
 * (0 clean, 1 errors, 2 bad usage or SQL that fails to load, naming the file and Postgres's
 * error); findings at the statement that creates their object, in the text and the SARIF.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { main } from '../../src/cli/index.js';
import { forEachBackend, SERVER_URL } from '../helpers/backends.js';
import { sarifProblems } from '../helpers/sarif.js';

const POSTS = fileURLToPath(new URL('../../examples/posts/migrations/001_posts.sql', import.meta.url));
const SUPABASE = fileURLToPath(new URL('../fixtures/supabase-layout', import.meta.url));

/** Runs the CLI in `cwd` (a project's root, where a workflow runs it). */
async function cli(cwd: string, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

let project: string;
beforeAll(() => {
  // a repository: .git at its root, the migrations below it
  project = mkdtempSync(join(tmpdir(), 'pgrls-audit-migrations-'));
  mkdirSync(join(project, '.git'));
  mkdirSync(join(project, 'db/migrations'), { recursive: true });
  copyFileSync(POSTS, join(project, 'db/migrations/001_posts.sql'));
  writeFileSync(join(project, 'db/notes.sql'), '-- a table without RLS\nCREATE TABLE notes (id int PRIMARY KEY, body text);\n');
  writeFileSync(join(project, 'db/broken.sql'), '-- 2 lines of comment\n-- and then\nINSERT INTO nope VALUES (1);\n');
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

forEachBackend((backend) => {
  const server = backend.name === 'url' ? ['--url', SERVER_URL!] : [];

  test('clean migrations exit 0', async () => {
    const r = await cli(project, ['audit', '--migrations', 'db/migrations', ...server]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^audit of db\/migrations \(schemas: public; 1 table, 0 views, 0 functions\): 0 errors, 0 warnings, 0 info, 0 waived\n$/);
  });

  test('an error exits 1 and says where it was made; --sql files come after the migrations', async () => {
    const r = await cli(project, ['audit', '--migrations', 'db/migrations', '--sql', 'db/notes.sql', ...server]);
    expect(r).toMatchObject({ code: 1, stderr: '' });
    expect(r.stdout.replace(/^audit of \S+/, 'audit of DB')).toBe(
      [
        'audit of DB (schemas: public; 2 tables, 0 views, 0 functions): 1 error, 0 warnings, 0 info, 0 waived',
        '',
        'public.notes',
        '  error   rls_disabled_exposed: row level security is disabled on public.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) can reach through the Data API: every request sees and changes every row',
        '          at: db/notes.sql:2',
        '          fix: ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
        '',
        'fixes not tried: --verify-fixes applies each in a transaction that is rolled back and audits again',
        '',
      ].join('\n'),
    );
  });

  test('--verify-fixes tries the fix in the built database; the finding keeps its place', async () => {
    const r = await cli(project, ['audit', '--migrations', 'db/migrations', '--sql', 'db/notes.sql', '--verify-fixes', '--format', 'json', ...server]);
    expect(r).toMatchObject({ code: 1, stderr: '' });
    expect(JSON.parse(r.stdout).findings).toEqual([
      expect.objectContaining({ check: 'rls_disabled_exposed', fixVerified: false, location: { file: join(project, 'db/notes.sql'), start: { line: 2, column: 1 }, end: { line: 2, column: 51 } } }),
    ]);
  });

  test('--format sarif: the result at the file and line, relative to the repository root, valid for code scanning', async () => {
    // a shell glob gives the files after --migrations; run from a sub-folder of the repository
    const r = await cli(join(project, 'db'), ['audit', '--migrations', 'migrations/001_posts.sql', 'notes.sql', '--format', 'sarif', ...server]);
    expect(r).toMatchObject({ code: 1, stderr: '' });
    const log = JSON.parse(r.stdout);
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0].results).toEqual([
      expect.objectContaining({
        ruleId: 'rls_disabled_exposed',
        level: 'error',
        message: { text: expect.stringMatching(/^row level security is disabled on public\.notes/) },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: 'db/notes.sql' }, region: { startLine: 2, startColumn: 1, endLine: 2, endColumn: 51 } },
            logicalLocations: [expect.objectContaining({ name: 'public.notes', kind: 'resource' })],
          },
        ],
      }),
    ]);
  });

  test('SQL that fails to load exits 2 naming the file, the line and the error', async () => {
    const r = await cli(project, ['audit', '--migrations', 'db/migrations', '--sql', 'db/broken.sql', ...server]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe(
      `pg-rls-test: cannot build the database to audit: migration ${join(project, 'db/broken.sql')}:3 failed: relation "nope" does not exist (SQLSTATE 42P01)\n` +
        'hint: fix the statement at that line; migrations are applied in file-name order, then the inline `sql` option\n',
    );
  });

  test('a Supabase project (the folder holding supabase/) loads with the supabase preset', async () => {
    const r = await cli(SUPABASE, ['audit', '--migrations', '.', '--format', 'json', ...server]);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    // the Supabase roles are there (anon, not anonymous): no api_role_missing
    expect(out.findings.map((f: { check: string }) => f.check)).not.toContain('api_role_missing');
    expect(out.audited).toEqual({ tables: 2, views: 0, functions: 1 });
    expect(r.code).toBe(out.summary.errors > 0 ? 1 : 0);
    // the migration the Supabase CLI skips (not <timestamp>_name.sql) is skipped: it would fail
    expect(out.findings.every((f: { location?: { file: string } }) => !f.location || /\/\d+_\w+\.sql$/.test(f.location.file))).toBe(true);
  });
});

test.each([
  [['audit', '--migrations', 'no/such/dir'], '--migrations no/such/dir: no such file or folder (in '],
  [['audit', '--migrations', 'db/migrations', '--sql', 'nope.sql'], '--sql nope.sql: no such file or folder (in '],
  [['audit', '--url', 'postgres://x/y', '--preset', 'supabase'], '--preset needs --migrations (a live database is audited as it is)'],
  [['audit', '--url', 'postgres://x/y', '--sql', 'a.sql'], '--sql needs --migrations (a live database is audited as it is)'],
  [['audit', '--migrations', 'db/migrations', '--preset', 'pgrst'], '--preset must be neon, supabase or none, got "pgrst"'],
])('bad usage exits 2: %j', async (argv, message) => {
  const r = await cli(project, argv);
  expect(r).toMatchObject({ code: 2, stdout: '' });
  expect(r.stderr).toContain(`pg-rls-test: ${message}`);
  expect(r.stderr).toContain('usage: pg-rls-test audit');
});

test('the SARIF check catches what code scanning rejects', () => {
  const log = (result: object, level = 'error') => ({
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'pg-rls-test', rules: [{ id: 'rls_disabled_exposed' }] } }, results: [{ ruleId: 'rls_disabled_exposed', level, message: { text: 'x' }, ...result }] }],
  });
  const at = (uri: string, startLine: number) => ({ locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine } } }] });
  expect(sarifProblems(log(at('db/notes.sql', 2)))).toEqual([]);
  expect(sarifProblems(log({ locations: [{ logicalLocations: [{ name: 'public.notes' }] }] }))).toEqual(['runs[0].results[0].locations[0].physicalLocation: required']);
  expect(sarifProblems(log({}))).toEqual(['runs[0].results[0].locations: 1 to 10 locations', 'runs[0].results[0].locations[0].physicalLocation: required']);
  expect(sarifProblems(log(at('file:///tmp/x.sql', 1)))).toEqual(["runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri: relative to the repository's root, got file:///tmp/x.sql"]);
  expect(sarifProblems(log(at('x.sql', 0)))).toEqual(expect.arrayContaining(['runs[0].results[0].locations[0].physicalLocation.region.startLine: an integer >= 1']));
  // the schema itself: no such level
  expect(sarifProblems(log(at('x.sql', 1), 'fatal'))).toEqual([expect.stringMatching(/^\/runs\/0\/results\/0\/level: must be equal to one of the allowed values$/)]);
});
