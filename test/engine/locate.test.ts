/**
 * src/sql/locate.ts: the statement of SQL sources that makes an object, found with the parser.
 * `pg-rls-test mutate` places its mutants with it (locateMutants) and the audit its findings.
 */
import { beforeAll, expect, test } from 'vitest';
import { loadParser } from '../../src/sql/parse.js';
import { findStatement, parseSources, type Locator } from '../../src/sql/locate.js';
import { locateMutants, GENERATED_FILE } from '../../src/mutate/locate.js';
import type { Mutant } from '../../src/mutate/types.js';
import type { SetupRecord } from '../../src/mutate/worker.js';

const FIRST = `-- the schema
CREATE SCHEMA app;
CREATE ROLE app_login LOGIN;
CREATE TABLE posts (id serial PRIMARY KEY, user_id text);
ALTER TABLE posts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY "own" ON public.posts USING (user_id = auth.user_id());
GRANT SELECT, INSERT ON posts TO authenticated;
CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE VIEW v AS SELECT id FROM posts;
`;
const SECOND = `DROP POLICY "own" ON posts;
CREATE POLICY "own" ON posts
  USING (user_id = (SELECT auth.user_id()));
`;

let sources: ReturnType<typeof parseSources>;
beforeAll(async () => {
  await loadParser();
  sources = parseSources([
    { name: '/p/001.sql', text: FIRST },
    { name: '/p/002.sql', text: SECOND },
    { name: '/p/bad.sql', text: 'CREATE TABLE (' }, // a file the parser cannot read: found nowhere
  ]);
});

const at = (l: Locator) => {
  const s = findStatement(sources, l);
  return s && `${s.file}:${s.start.line}:${s.start.column}-${s.end.line}:${s.end.column}`;
};

test.each<[Locator, string | undefined]>([
  [{ kind: 'schema', name: 'app' }, '/p/001.sql:2:1-2:18'],
  [{ kind: 'role', name: 'app_login' }, '/p/001.sql:3:1-3:28'],
  [{ kind: 'relation', table: 'public.posts' }, '/p/001.sql:4:1-4:57'],
  [{ kind: 'rls', table: 'public.posts', force: true }, '/p/001.sql:5:1-5:70'],
  // dropped and created again by a later file: the statement that made what the catalog holds
  [{ kind: 'policy', table: 'public.posts', name: 'own' }, '/p/002.sql:2:1-3:44'],
  [{ kind: 'grant', objectType: 'table', object: 'public.posts', privilege: 'INSERT', grantee: 'authenticated' }, '/p/001.sql:7:1-7:47'],
  // a privilege no GRANT gives (the owner's, a default privilege): the statement creating the object
  [{ kind: 'grant', objectType: 'table', object: 'public.posts', privilege: 'DELETE', grantee: 'authenticated' }, '/p/001.sql:4:1-4:57'],
  [{ kind: 'grant', objectType: 'schema', object: 'app', privilege: 'USAGE', grantee: 'authenticated' }, '/p/001.sql:2:1-2:18'],
  [{ kind: 'function', name: 'app.f' }, '/p/001.sql:8:1-8:70'],
  [{ kind: 'view', name: 'public.v' }, '/p/001.sql:9:1-9:38'],
  [{ kind: 'relation', table: 'public.comments' }, undefined],
  [{ kind: 'role', name: 'authenticated' }, undefined],
])('%j', (locator, where) => {
  expect(at(locator)).toBe(where);
});

test('mutate places its mutants with it, and lists what no source makes in a generated file', () => {
  const mutant = (object: string, locate: Locator) => ({ object, locate, undo: `-- undo ${object}` }) as unknown as Mutant;
  const mutants = [mutant('public.posts "own"', { kind: 'policy', table: 'public.posts', name: 'own' }), mutant('authenticated', { kind: 'role', name: 'authenticated' })];
  const setup = { sources: [{ label: '/p/001.sql', text: FIRST }, { label: '/p/002.sql', text: SECOND }], testFile: '/p/a.test.ts' } as unknown as SetupRecord;
  const files = locateMutants(mutants, [setup], '/p');
  expect(mutants.map((m) => m.location)).toEqual([
    { file: '002.sql', start: { line: 2, column: 1 }, end: { line: 3, column: 44 } },
    { file: GENERATED_FILE, start: { line: 1, column: 1 }, end: { line: 1, column: 41 } }, // '-- authenticated: -- undo authenticated;'
  ]);
  expect(files.map((f) => f.name)).toEqual(['002.sql', GENERATED_FILE]);
});
