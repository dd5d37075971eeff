/**
 * Findings point at the statement of a migration file that creates their object (the parser
 * finds it, with the code `pg-rls-test mutate` places mutants with): the CREATE POLICY of a
 * policy, the CREATE TABLE of a table, the CREATE FUNCTION of a function, the CREATE SCHEMA of a
 * schema; the last one where a later migration drops and recreates it. The SARIF log carries them
 * as physical locations that GitHub code scanning accepts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTestDatabase, formatAuditSarif, formatAuditText, type Finding, type TestDatabase } from '../../src/index.js';
import { locatorsOf } from '../../src/audit/locations.js';
import { forEachBackend } from '../helpers/backends.js';
import { sarifProblems } from '../helpers/sarif.js';

const MIGRATIONS: Record<string, string> = {
  '001_posts.sql': `-- posts: each row belongs to its author
CREATE TABLE posts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL DEFAULT auth.user_id(),
  body text
);
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own posts" ON posts FOR ALL TO authenticated
  USING (user_id = auth.user_id());
`,
  '002_notes.sql': `/* a table that was forgotten */

CREATE TABLE notes (id int PRIMARY KEY, body text);

CREATE SCHEMA app;
GRANT USAGE, CREATE ON SCHEMA app TO authenticated;

CREATE FUNCTION public.purge_notes() RETURNS void
  LANGUAGE sql SECURITY DEFINER
  AS $$ DELETE FROM public.notes $$;
`,
  '003_policy_again.sql': `-- the policy again, still calling auth.user_id() for every row
DROP POLICY "own posts" ON posts;
CREATE POLICY "own posts" ON posts FOR ALL TO authenticated
  USING (user_id = auth.user_id()) WITH CHECK (user_id = auth.user_id());
`,
};

/** check, object, where: the function at its CREATE FUNCTION, the schema at its CREATE SCHEMA, the policy at the CREATE POLICY of 003 that replaced 001's; inline SQL is no file */
const EXPECTED = [
  ['security_definer_search_path_mutable', 'public.purge_notes()', 'migrations/002_notes.sql:8'],
  ['rls_disabled_exposed', 'public.inline_only', null],
  ['schema_create_granted', 'app', 'migrations/002_notes.sql:5'],
  ['auth_call_per_row', '"own posts" on public.posts', 'migrations/003_policy_again.sql:3'],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pgrls-locations-'));
  mkdirSync(join(dir, 'migrations'));
  for (const [name, text] of Object.entries(MIGRATIONS)) writeFileSync(join(dir, 'migrations', name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** check, object, file (relative to the project) and line of each finding. */
const placed = (fs: Finding[]) => fs.map((f) => [f.check, f.object, f.location ? `${relative(dir, f.location.file)}:${f.location.start.line}` : null]);

forEachBackend((backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options, migrations: join(dir, 'migrations'), sql: 'CREATE TABLE inline_only (id int)' });
  });
  afterAll(() => db?.close());

  test('each finding points at the statement that creates its object; what no file creates has no location', async () => {
    const r = await db.audit({ schemas: ['public', 'app'], ignore: [{ check: 'rls_disabled_exposed', object: 'public.notes', reason: 'read by a job' }] });
    expect(placed(r.findings)).toEqual(EXPECTED);
    // waived findings are placed too
    expect(placed(r.waived)).toEqual([['rls_disabled_exposed', 'public.notes', 'migrations/002_notes.sql:3']]);
    // the files the database was built from, in order (inline SQL is no file)
    expect(r.files!.map((f) => relative(dir, f))).toEqual(Object.keys(MIGRATIONS).map((n) => `migrations/${n}`));
    // the whole statement: from its first character to just past its last
    const fn = r.findings.find((f) => f.object === 'public.purge_notes()')!;
    expect(fn.location).toEqual({ file: join(dir, 'migrations/002_notes.sql'), start: { line: 8, column: 1 }, end: { line: 10, column: 36 } });
  });

  test('SARIF: every result at a file and line relative to the repository root, valid for code scanning', async () => {
    const r = await db.audit({ schemas: ['public', 'app'] });
    const log = formatAuditSarif(r, { root: dir }) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations: { name: string }[] }[] }[] }[] };
    expect(sarifProblems(log)).toEqual([]);
    const at = log.runs[0]!.results.map((x) => {
      const l = x.locations[0]!;
      return [x.ruleId, l.logicalLocations[0]!.name, `${l.physicalLocation.artifactLocation.uri}:${l.physicalLocation.region.startLine}`];
    });
    // a finding whose object no migration creates is shown at line 1 of the first one
    expect(at).toEqual(placed(r.findings).map(([check, object, where]) => [check, object, where ?? 'migrations/001_posts.sql:1']));
  });

  test('the text output says where', async () => {
    const text = formatAuditText(await db.audit(), { root: dir });
    expect(text).toContain(
      [
        'public.notes',
        '  error   rls_disabled_exposed: row level security is disabled on public.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) can reach through the Data API: every request sees and changes every row',
        '          at: migrations/002_notes.sql:3',
      ].join('\n'),
    );
  });
});

test('a database built from inline SQL only: no location, no files', async () => {
  const db = await createTestDatabase({ backend: 'embedded', sql: 'CREATE TABLE notes (id int PRIMARY KEY)' });
  try {
    const r = await db.audit();
    expect(r.findings.map((f) => f.check)).toContain('rls_disabled_exposed');
    expect(r.findings.every((f) => f.location === undefined)).toBe(true);
    expect(r.files).toBeUndefined();
    const log = formatAuditSarif(r) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('pg-rls-test-audit.sql');
  } finally {
    await db.close();
  }
});

test.each([
  [{ object: '"own posts" on public.posts', table: 'public.posts' }, [{ kind: 'policy', name: 'own posts', table: 'public.posts' }]],
  [{ object: '"a" on b" on public.t', table: 'public.t' }, [{ kind: 'policy', name: 'a" on b', table: 'public.t' }]],
  [{ object: 'public.notes', table: 'public.notes' }, [{ kind: 'relation', table: 'public.notes' }]],
  [{ object: 'public.posts_id_seq', table: 'public.posts' }, [{ kind: 'relation', table: 'public.posts' }]],
  [{ object: 'public.purge(integer, text)' }, [{ kind: 'function', name: 'public.purge' }]],
  [{ object: 'auth.users' }, [{ kind: 'relation', table: 'auth.users' }]],
  [{ object: 'app' }, [{ kind: 'schema', name: 'app' }, { kind: 'role', name: 'app' }]],
  [{ object: 'public.posts update authenticated', table: 'public.posts' }, [{ kind: 'relation', table: 'public.posts' }]],
])('locatorsOf(%j)', (finding, locators) => {
  expect(locatorsOf(finding)).toEqual(locators);
});
