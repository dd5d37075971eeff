import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend, [
    `DO $$ BEGIN CREATE ROLE grant_group_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     DO $$ BEGIN CREATE ROLE grant_member_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     DO $$ BEGIN CREATE ROLE grant_noinherit_t NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     GRANT grant_group_t TO grant_member_t;
     GRANT grant_group_t TO grant_noinherit_t;
     GRANT SELECT, TRUNCATE ON leaky TO grant_group_t;
     GRANT SELECT (id, body), UPDATE (body) ON notes TO authenticated;
     DO $$ BEGIN CREATE ROLE app_creator_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     ALTER DEFAULT PRIVILEGES FOR ROLE app_creator_t IN SCHEMA public GRANT SELECT ON TABLES TO anonymous;`,
  ]);

  test('tables: at least, exactly, nothing at all; names are case-insensitive', async () => {
    await expect(db().table('posts')).toGrant(['select', 'Insert'], 'authenticated');
    await expect(db().table('posts')).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true });
    await expect(db().table('posts')).toGrant([], 'anonymous', { exactly: true });
    await expect(db().table('posts')).not.toGrant('TRUNCATE', 'authenticated');
  });

  test('membership with INHERIT counts, without INHERIT it does not', async () => {
    await expect(db().table('leaky')).toGrant(['SELECT', 'TRUNCATE'], 'grant_member_t', { exactly: true });
    await expect(db().table('leaky')).toGrant([], 'grant_noinherit_t', { exactly: true });
  });

  test('exactly: more than asked is named, TRUNCATE explained', async () => {
    expect(await failureText(expect(db().table('leaky')).toGrant(['SELECT'], 'grant_member_t', { exactly: true }))).toBe(
      [
        `expect(table).toGrant(["SELECT"], 'grant_member_t', { exactly: true })`,
        '',
        'Expected: grant_member_t to have exactly SELECT on public.leaky',
        'Received: it has SELECT, TRUNCATE',
        '',
        'Why:',
        '  more than asked: TRUNCATE (TRUNCATE empties the table regardless of row level security)',
        '',
        'Fix:',
        '  REVOKE TRUNCATE ON "public"."leaky" FROM "grant_member_t";',
      ].join('\n'),
    );
    expect(await failureText(expect(db().table('notes')).toGrant([], 'anonymous', { exactly: true }))).toBe(
      [
        `expect(table).toGrant([], 'anonymous', { exactly: true })`,
        '',
        'Expected: anonymous to have exactly no privilege on public.notes',
        'Received: it has SELECT',
        '',
        'Why:',
        '  more than asked: SELECT',
        '',
        'Fix:',
        '  REVOKE SELECT ON "public"."notes" FROM "anonymous";',
      ].join('\n'),
    );
  });

  test('columns', async () => {
    await expect(db().column('vault', 'secret')).toGrant([], 'authenticated', { exactly: true });
    await expect(db().column('posts', 'content')).toGrant(['SELECT', 'UPDATE'], 'authenticated');
    expect(await failureText(expect(db().column('vault', 'secret')).toGrant('SELECT', 'authenticated'))).toBe(
      [
        `expect(column).toGrant(["SELECT"], 'authenticated')`,
        '',
        'Expected: authenticated to have SELECT on public.vault.secret',
        'Received: it has no privilege',
        '',
        'Why:',
        '  missing: SELECT',
        '',
        'Fix:',
        '  GRANT SELECT ("secret") ON "public"."vault" TO "authenticated";',
      ].join('\n'),
    );
    await expect(expect(db().column('posts', 'contnt')).toGrant('SELECT', 'authenticated')).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_COLUMN',
      summary: 'column of public.posts "contnt" does not exist; did you mean "content"?',
    });
  });

  test('functions by signature, schemas, sequences', async () => {
    await expect(db().function('public.get_post(bigint)')).toGrant('EXECUTE', 'authenticated');
    await expect(db().function('public.get_post(bigint)')).not.toGrant('EXECUTE', 'anonymous');
    await expect(db().function('auth.user_id()')).toGrant('execute', 'anonymous'); // PUBLIC
    await expect(db().schema('auth')).toGrant(['USAGE'], 'anonymous', { exactly: true });
    await expect(db().schema('public')).not.toGrant('CREATE', 'authenticated');
    await expect(db().sequence('notes_id_seq')).toGrant([], 'authenticated', { exactly: true });
    expect(await failureText(expect(db().function('public.get_post(bigint)')).toGrant('EXECUTE', 'anonymous'))).toBe(
      [
        `expect(function).toGrant(["EXECUTE"], 'anonymous')`,
        '',
        'Expected: anonymous to have EXECUTE on get_post(bigint)',
        'Received: it has no privilege',
        '',
        'Why:',
        '  missing: EXECUTE',
        '',
        'Fix:',
        '  GRANT EXECUTE ON FUNCTION get_post(bigint) TO "anonymous";',
      ].join('\n'),
    );
  });

  test('default privileges for tables a role creates later', async () => {
    await expect(db().schema('public')).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { onTablesCreatedBy: 'postgres', exactly: true });
    await expect(db().schema('public')).toGrant(['SELECT'], 'anonymous', { onTablesCreatedBy: 'app_creator_t', exactly: true });
    expect(await failureText(expect(db().schema('public')).toGrant(['SELECT'], 'authenticated', { onTablesCreatedBy: 'app_creator_t' }))).toBe(
      [
        `expect(schema).toGrant(["SELECT"], 'authenticated', { onTablesCreatedBy: 'app_creator_t' })`,
        '',
        'Expected: authenticated to get SELECT on tables app_creator_t creates in schema public',
        'Received: it gets no privilege',
        '',
        'Fix:',
        '  ALTER DEFAULT PRIVILEGES FOR ROLE "app_creator_t" IN SCHEMA "public" GRANT SELECT ON TABLES TO "authenticated";',
      ].join('\n'),
    );
  });

  test('unknown objects and bad arguments', async () => {
    await expect(expect(db().function('public.get_post(text)')).toGrant('EXECUTE', 'authenticated')).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_OBJECT',
      summary: 'function "public.get_post(text)" does not exist; did you mean "get_post(bigint)"?',
    });
    await expect(expect(db().function('get_post bigint')).toGrant('EXECUTE', 'authenticated')).rejects.toThrow(
      `db.function() takes a signature like 'public.get_order(bigint)' (name and argument types in parentheses; '()' for none), got "get_post bigint"`,
    );
    await expect(expect(db().schema('pubic')).toGrant('USAGE', 'authenticated')).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_OBJECT',
      summary: 'schema "pubic" does not exist; did you mean "public"?',
    });
    await expect(expect(db().sequence('note_id_seq')).toGrant('USAGE', 'authenticated')).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_OBJECT',
      summary: 'sequence "note_id_seq" does not exist; did you mean "public.notes_id_seq", "public.posts_id_seq"?',
    });
    await expect(expect(db().table('posts')).toGrant(['EXECUTE'], 'authenticated')).rejects.toThrow(
      'toGrant(): EXECUTE is not table privilege (SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER',
    );
    await expect(expect(db().table('posts')).toGrant('SELECT', 'authenticated', { onTablesCreatedBy: 'postgres' })).rejects.toThrow('"onTablesCreatedBy" applies to db.schema(name) only');
  });

  test('unknown objects: close matches by name, whatever the arguments or schema', async () => {
    const unknown = (ref: object) =>
      expect(ref).toGrant('USAGE', 'authenticated').then(
        () => 'resolved',
        (e: { code: string; summary: string }) => `${e.code}: ${e.summary}`,
      );
    expect(await unknown(db().function('public.get_pots()'))).toBe('ERR_PGRLS_UNKNOWN_OBJECT: function "public.get_pots()" does not exist; did you mean "get_post(bigint)"?');
    expect(await unknown(db().function('get_posts(bigint, text)'))).toBe('ERR_PGRLS_UNKNOWN_OBJECT: function "get_posts(bigint, text)" does not exist; did you mean "get_post(bigint)"?');
    expect(await unknown(db().function('auth.user_idd()'))).toBe('ERR_PGRLS_UNKNOWN_OBJECT: function "auth.user_idd()" does not exist; did you mean "auth.user_id()"?');
    expect(await unknown(db().function('public.user_id()'))).toBe('ERR_PGRLS_UNKNOWN_OBJECT: function "public.user_id()" does not exist; did you mean "auth.user_id()"?');
    expect(await unknown(db().schema('auht'))).toBe('ERR_PGRLS_UNKNOWN_OBJECT: schema "auht" does not exist; did you mean "auth"?');
    expect(await unknown(db().sequence('auth.posts_id_seq'))).toBe('ERR_PGRLS_UNKNOWN_OBJECT: sequence "auth.posts_id_seq" does not exist; did you mean "public.posts_id_seq", "public.notes_id_seq", "public.open_posts_id_seq"?');
  });
});
