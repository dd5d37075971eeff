import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import { CHECKS, readFacts, resolveAuditOptions } from '../../src/audit/index.js';
import { formatText } from '../../src/audit/format.js';
import type { Connection } from '../../src/backends/types.js';
import { forEachBackend } from '../helpers/backends.js';
import { POSTS_SEED, POSTS_SQL } from '../helpers/schemas.js';

const EXAMPLE_MIGRATIONS = fileURLToPath(new URL('../../examples/posts/migrations', import.meta.url));

forEachBackend((backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options, migrations: EXAMPLE_MIGRATIONS, sql: POSTS_SEED });
  });
  afterAll(() => db?.close());

  test('the seed example schema (examples/posts) is clean: no finding at all', async () => {
    const r = await db.audit();
    expect(r.findings).toEqual([]);
    expect(r.waived).toEqual([]);
    expect(r.schemas).toEqual(['public']);
    expect(r.checks.map((c) => c.id)).toEqual(CHECKS.map((c) => c.id));
  });

  test('the auth schema the preset installs is clean too', async () => {
    expect((await db.audit({ schemas: ['public', 'auth'] })).findings).toEqual([]);
  });

  test('what was audited: tables, views and functions', async () => {
    expect((await db.audit()).audited).toEqual({ tables: 1, views: 0, functions: 0 });
  });

  test('a schema that does not exist is an error with its close match, not an empty audit', async () => {
    await expect(db.audit({ schemas: ['public', 'pubic'] })).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_OBJECT',
      summary: 'schema "pubic" does not exist; did you mean "public"?',
    });
    await expect(expect(db).toBeDataApiReady({ schemas: ['auht'] })).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_OBJECT',
      summary: 'schema "auht" does not exist; did you mean "auth"?',
    });
  });

  test('facts are cached until an owner statement changes the schema', async () => {
    await db.owner.transaction(async (tx) => {
      await tx.query('CREATE TABLE scratch (id int)');
    });
    // transaction() rolls back: still clean, from the cache or not
    expect((await db.audit()).findings).toEqual([]);
    await db.owner.query('CREATE TABLE scratch (id int)');
    try {
      expect((await db.audit()).findings.map((f) => `${f.check} ${f.object}`)).toEqual(['rls_disabled_exposed public.scratch']);
    } finally {
      await db.reset();
    }
    expect((await db.audit()).findings).toEqual([]);
  });

  test('waivers: matched ones move to waived with their reason, unmatched ones are reported', async () => {
    await db.owner.query('CREATE TABLE notice_board (id int)');
    try {
      const r = await db.audit({
        ignore: [
          { check: 'rls_disabled_exposed', object: 'public.notice_board', reason: 'everyone may read and write it' },
          { check: 'rls_disabled_exposed', object: 'public.gone' },
        ],
      });
      expect(r.findings).toEqual([]);
      expect(r.waived).toEqual([expect.objectContaining({ check: 'rls_disabled_exposed', object: 'public.notice_board', reason: 'everyone may read and write it' })]);
      expect(r.unusedWaivers).toEqual([{ check: 'rls_disabled_exposed', object: 'public.gone' }]);
    } finally {
      await db.reset();
    }
  });

  test('the access matrix: who selects, inserts, updates and deletes how many rows', async () => {
    const alice = db.user('alice', { sub: 'user-alice' });
    db.user('bob', { sub: 'user-bob' });
    const m = await db.accessMatrix();
    expect(m).toEqual({
      requesters: ['anonymous', 'alice', 'bob'],
      tables: {
        'public.posts': {
          rows: 4,
          rls: true,
          access: {
            anonymous: { select: 'denied', insert: false, update: 'denied', delete: 'denied' },
            alice: { select: 3, insert: true, update: 2, delete: 2 },
            bob: { select: 3, insert: true, update: 2, delete: 2 },
          },
        },
      },
    });
    expect(await db.accessMatrix({ tables: ['posts'], requesters: [alice] })).toEqual({
      requesters: ['alice'],
      tables: { 'public.posts': { rows: 4, rls: true, access: { alice: { select: 3, insert: true, update: 2, delete: 2 } } } },
    });
  });
});

describe('the access matrix on leaky tables and views', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      sql: [
        POSTS_SQL,
        POSTS_SEED,
        `CREATE TABLE notes (id serial PRIMARY KEY, body text);
         INSERT INTO notes (body) VALUES ('a'), ('b');
         GRANT SELECT ON notes TO anonymous;
         CREATE VIEW published AS SELECT id, content FROM posts WHERE is_published;
         CREATE TABLE parents (id int PRIMARY KEY);
         CREATE TABLE children (id int PRIMARY KEY, parent int REFERENCES parents);
         INSERT INTO parents VALUES (1); INSERT INTO children VALUES (1, 1);
         CREATE FUNCTION count_posts() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$ SELECT count(*) FROM public.posts $$;
         REVOKE EXECUTE ON FUNCTION count_posts() FROM PUBLIC;`,
      ],
    });
    db.user('alice', { sub: 'user-alice' });
  });
  afterAll(() => db?.close());

  test('RLS off, a view, and a delete a foreign key refuses', async () => {
    const m = await db.accessMatrix();
    expect(m.tables['public.notes']).toEqual({
      rows: 2,
      rls: false,
      access: {
        anonymous: { select: 2, insert: false, update: 'denied', delete: 'denied' },
        alice: { select: 2, insert: true, update: 2, delete: 2 },
      },
    });
    expect(m.tables['public.published']!.access).toEqual({
      anonymous: { select: 'denied', insert: null, update: null, delete: null },
      alice: { select: 2, insert: null, update: null, delete: null },
    });
    expect(m.tables['public.parents']!.access.alice).toEqual({ select: 1, insert: true, update: 1, delete: 'error 23503' });
  });

  test('formatAccessMatrix prints a table', async () => {
    const { formatAccessMatrix } = await import('../../src/audit/access-matrix.js');
    const m = await db.accessMatrix({ tables: ['posts', 'notes'] });
    expect(formatAccessMatrix(m)).toBe(
      [
        'table         rows  requester  select  insert  update  delete',
        'public.posts     4  anonymous  denied  no      denied  denied',
        '                    alice      3       yes     2       2',
        'public.notes     2  anonymous  2       no      denied  denied',
        '                    alice      2       yes     2       2',
      ].join('\n'),
    );
  });

  test('bad options are TypeErrors', async () => {
    await expect(db.accessMatrix({ tables: 'posts' as never })).rejects.toThrow('"tables" option of accessMatrix() must be a list of table names');
    await expect(db.accessMatrix({ tables: ['postz'] })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
  });

  test('text output groups findings by table, fix under each', async () => {
    const r = await db.audit();
    expect(formatText(r, { levels: ['error'] }).replace(/^audit of \S+/, 'audit of DB')).toBe(
      [
        'audit of DB (schemas: public; 4 tables, 1 view, 1 function): 5 errors, 0 warnings, 0 info, 0 waived',
        '',
        'public.children',
        '  error   rls_disabled_exposed: row level security is disabled on public.children, which authenticated (SELECT, INSERT, UPDATE, DELETE) can reach through the Data API: every request sees and changes every row',
        '          fix: ALTER TABLE "public"."children" ENABLE ROW LEVEL SECURITY;',
        '',
        'public.notes',
        '  error   rls_disabled_exposed: row level security is disabled on public.notes, which authenticated (SELECT, INSERT, UPDATE, DELETE) and anonymous (SELECT) can reach through the Data API: every request sees and changes every row',
        '          fix: ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
        `  error   sequence_usage_missing: authenticated may insert into public.notes, whose default calls nextval('public.notes_id_seq'), but has no USAGE on that sequence: its inserts fail with "permission denied for sequence notes_id_seq"`,
        '          fix: GRANT USAGE ON SEQUENCE "public"."notes_id_seq" TO "authenticated";',
        '',
        'public.parents',
        '  error   rls_disabled_exposed: row level security is disabled on public.parents, which authenticated (SELECT, INSERT, UPDATE, DELETE) can reach through the Data API: every request sees and changes every row',
        '          fix: ALTER TABLE "public"."parents" ENABLE ROW LEVEL SECURITY;',
        '',
        'public.published',
        '  error   view_without_security_invoker: view public.published reads public.posts with the rights of its owner postgres, who bypasses their row level security: authenticated read every row through it',
        '          fix: ALTER VIEW "public"."published" SET (security_invoker = true);',
      ].join('\n'),
    );
  });
});

describe('audit options and the read-only transaction', () => {
  test('bad options are TypeErrors naming the option', () => {
    expect(() => resolveAuditOptions({ schemas: [] })).toThrow('"schemas" option must be a non-empty list of schema names, got []');
    expect(() => resolveAuditOptions({ ignore: [{ check: 'rls_disabled_exposed' }] as never })).toThrow('"ignore" option: waiver 0 must be { check: string, object: string }');
    expect(() => resolveAuditOptions({ ignore: [{ check: 'nope', object: 'x' }] })).toThrow('"ignore" option: waiver 0 names unknown check "nope"');
    expect(() => resolveAuditOptions({ apiRoles: { anonymous: '' } })).toThrow('"apiRoles.anonymous" option must be a role name, got ""');
    expect(() => resolveAuditOptions({ schema: ['public'] } as never)).toThrow('unknown audit option "schema"; known: schemas, ignore, apiRoles');
  });

  test('the facts are read in one read-only transaction that is rolled back, in one query', async () => {
    const calls: string[] = [];
    const conn: Connection = {
      exec: async (script) => {
        calls.push(script);
        return [];
      },
      query: async (sql) => {
        calls.push(sql.includes('json_build_object') ? 'FACTS' : sql);
        return { rows: [{ facts: { roles: [], schemas: [{ name: 'public' }], relations: [] } }], rowCount: 1, fields: ['facts'] };
      },
    };
    await readFacts(conn, resolveAuditOptions({}));
    expect(calls).toEqual([`BEGIN READ ONLY; SET LOCAL search_path TO ''`, 'FACTS', 'ROLLBACK']);
  });
});
