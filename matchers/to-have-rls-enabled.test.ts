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
      summary: 'toHaveRlsEnabled() expects db.table(name), received string "posts"',
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
});
