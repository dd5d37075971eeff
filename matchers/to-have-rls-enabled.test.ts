import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend, [
    'ALTER TABLE vault FORCE ROW LEVEL SECURITY;',
    `CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
     CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
     ALTER TABLE events ENABLE ROW LEVEL SECURITY;`,
    // a schema where every table has RLS (a view and a foreign-key-free partition set), and one without tables
    `CREATE SCHEMA app;
     CREATE TABLE app.accounts (id int PRIMARY KEY);
     ALTER TABLE app.accounts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
     CREATE TABLE app.invoices (id int PRIMARY KEY);
     ALTER TABLE app.invoices ENABLE ROW LEVEL SECURITY;
     CREATE VIEW app.account_ids AS SELECT id FROM app.accounts;
     CREATE SCHEMA only_views;
     CREATE VIEW only_views.v AS SELECT 1 AS one;`,
  ]);

  test('passes when RLS is on, .not when it is off', async () => {
    await expect(db().table('posts')).toHaveRlsEnabled();
    await expect(db().table('notes')).not.toHaveRlsEnabled();
    await expect(db().table('vault')).toHaveRlsEnabled({ forced: true });
    await expect(db().table('posts')).not.toHaveRlsEnabled({ forced: true });
  });

  test('failure text names the table and gives the fix', async () => {
    expect(await failureText(expect(db().table('notes')).toHaveRlsEnabled())).toBe(
      [
        'expect(table).toHaveRlsEnabled()',
        '',
        'Expected: row level security enabled on public.notes',
        'Received: disabled',
        '',
        'Fix:',
        '  ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
    expect(await failureText(expect(db().table('posts')).toHaveRlsEnabled({ forced: true }))).toBe(
      [
        'expect(table).toHaveRlsEnabled({ forced: true })',
        '',
        'Expected: row level security enabled and forced on public.posts',
        'Received: enabled, not forced',
        '',
        'Fix:',
        '  ALTER TABLE "public"."posts" FORCE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
    expect(await failureText(expect(db().table('posts')).not.toHaveRlsEnabled())).toBe(
      [
        'expect(table).not.toHaveRlsEnabled()',
        '',
        'Expected: row level security not enabled on public.posts',
        'Received: enabled, not forced',
        '',
        'Fix:',
        '  ALTER TABLE "public"."posts" DISABLE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
  });

  test('an unknown table rejects with close matches, under .not too', async () => {
    await expect(expect(db().table('postz')).toHaveRlsEnabled()).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_TABLE',
      summary: 'table "postz" does not exist; did you mean "posts"?',
    });
    await expect(expect(db().table('postz')).not.toHaveRlsEnabled()).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
  });

  test('a wrong subject or option is refused', async () => {
    await expect(expect('posts').toHaveRlsEnabled()).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      summary: 'toHaveRlsEnabled() expects db.table(name) or db.schema(name), received string "posts"',
    });
    await expect(expect(db().table('posts')).toHaveRlsEnabled(null as never)).rejects.toThrow(TypeError);
  });

  test('schema-qualified names, partitioned tables and their partitions', async () => {
    await expect(db().table('public.posts')).toHaveRlsEnabled();
    await expect(db().table('events')).toHaveRlsEnabled();
    await expect(db().table('events_2026')).not.toHaveRlsEnabled();
    expect(await failureText(expect(db().table('events_2026')).toHaveRlsEnabled())).toBe(
      [
        'expect(table).toHaveRlsEnabled()',
        '',
        'Expected: row level security enabled on public.events_2026',
        'Received: disabled',
        '',
        'Why:',
        "  public.events_2026 is a partition of public.events: queries through the parent use the parent's policies, but the partition itself can be queried directly, with its own setting",
        '',
        'Fix:',
        '  ALTER TABLE "public"."events_2026" ENABLE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
  });

  test('on a schema: every table of it (basejump tests.rls_enabled(schema)), views aside', async () => {
    await expect(db().schema('app')).toHaveRlsEnabled();
    await expect(db().schema('app')).not.toHaveRlsEnabled({ forced: true });
    await expect(db().schema('public')).not.toHaveRlsEnabled();
    expect(await failureText(expect(db().schema('public')).toHaveRlsEnabled())).toBe(
      [
        'expect(schema).toHaveRlsEnabled()',
        '',
        'Expected: row level security enabled on every table of schema public',
        'Received: not enabled on 2 of 8 tables: public.events_2026 and public.notes',
        '',
        'Why:',
        '  public.events_2026 is a partition of public.events: it can be queried directly, with its own setting',
        '',
        'Fix:',
        '  ALTER TABLE "public"."events_2026" ENABLE ROW LEVEL SECURITY;',
        '  ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
    expect(await failureText(expect(db().schema('app')).toHaveRlsEnabled({ forced: true }))).toBe(
      [
        'expect(schema).toHaveRlsEnabled({ forced: true })',
        '',
        'Expected: row level security enabled and forced on every table of schema app',
        'Received: not enabled and forced on 1 of 2 tables: app.invoices (enabled, not forced)',
        '',
        'Fix:',
        '  ALTER TABLE "app"."invoices" FORCE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
    expect(await failureText(expect(db().schema('app')).not.toHaveRlsEnabled())).toBe(
      ['expect(schema).not.toHaveRlsEnabled()', '', 'Expected: some table of schema app without row level security enabled', 'Received: all 2 tables have it enabled'].join('\n'),
    );
  });

  test('on a schema: an unknown one, or one without tables, rejects under .not too', async () => {
    await expect(expect(db().schema('ap')).not.toHaveRlsEnabled()).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_OBJECT',
      summary: 'schema "ap" does not exist; did you mean "app"?',
    });
    await expect(expect(db().schema('only_views')).not.toHaveRlsEnabled()).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      summary: 'toHaveRlsEnabled(): schema "only_views" has no tables: a check over no tables proves nothing',
    });
    await expect(expect(db().sequence('notes_id_seq')).toHaveRlsEnabled()).rejects.toMatchObject({ code: 'ERR_PGRLS_INVALID_SUBJECT' });
  });

  test('db.tables(): one handle per table, for a loop of table checks', async () => {
    const app = await db().tables({ schema: 'app' });
    expect(app.map((t) => t.name)).toEqual(['app.accounts', 'app.invoices']);
    for (const t of app) await expect(t).toHaveRlsEnabled();
    const lacking: string[] = [];
    for (const t of await db().tables()) {
      if (!(await t.info()).rlsEnabled) lacking.push(t.name);
    }
    expect(lacking).toEqual(['public.events_2026', 'public.notes']);
    expect(await db().tables({ schema: 'only_views' })).toEqual([]);
    await expect(db().tables({ schema: 'ap' })).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_OBJECT', summary: 'schema "ap" does not exist; did you mean "app"?' });
    await expect(db().tables({ schema: '' })).rejects.toThrow(TypeError);
  });
});
