import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';
import { createTestDatabase } from '../src/index.js';

forEachBackend((backend) => {
  const db = useFixture(backend);

  test('a policy for the command and role; ALL, PUBLIC and memberships count', async () => {
    await expect(db().table('posts')).toHavePolicyFor('select', 'authenticated');
    await expect(db().table('posts')).toHavePolicyFor('DELETE', 'authenticated');
    await expect(db().table('posts')).not.toHavePolicyFor('select', 'anonymous');
    await expect(db().table('vault')).toHavePolicyFor('update', 'authenticated'); // FOR ALL
    await expect(db().table('leaky')).toHavePolicyFor('select', 'anonymous'); // no TO: PUBLIC
    await expect(db().table('leaky')).not.toHavePolicyFor('insert', 'authenticated');
  });

  test('failure text lists the policies that exist', async () => {
    expect(await failureText(expect(db().table('leaky')).toHavePolicyFor('insert', 'authenticated'))).toBe(
      [
        "expect(table).toHavePolicyFor('insert', 'authenticated')",
        '',
        'Expected: a policy on public.leaky for INSERT that applies to authenticated',
        'Received: none of its policies applies',
        '',
        'Why:',
        '  Policies on the table:',
        '    "everyone reads" FOR SELECT TO public USING (true)',
        '    "owner deletes" FOR DELETE TO authenticated USING ((owner = ( SELECT auth.user_id() AS user_id)))',
        '    "owner updates" FOR UPDATE TO authenticated USING ((owner = ( SELECT auth.user_id() AS user_id)))',
        '',
        'Fix:',
        '  CREATE POLICY "authenticated insert" ON "public"."leaky" FOR INSERT TO "authenticated"',
        '    WITH CHECK ((SELECT auth.user_id()) = "owner");  -- rows owned by the requester; adjust to your table',
      ].join('\n'),
    );
    expect(await failureText(expect(db().table('leaky')).not.toHavePolicyFor('select', 'anonymous'))).toBe(
      [
        "expect(table).not.toHavePolicyFor('select', 'anonymous')",
        '',
        'Expected: no policy on public.leaky for SELECT that applies to anonymous',
        'Received: "everyone reads" applies',
        '',
        'Why:',
        '  Policies on the table:',
        '    "everyone reads" FOR SELECT TO public USING (true)',
        '    "owner deletes" FOR DELETE TO authenticated USING ((owner = ( SELECT auth.user_id() AS user_id)))',
        '    "owner updates" FOR UPDATE TO authenticated USING ((owner = ( SELECT auth.user_id() AS user_id)))',
        '',
        'Fix:',
        '  ALTER POLICY "everyone reads" ON "public"."leaky" TO "authenticated";  -- no TO clause means PUBLIC, anonymous included',
      ].join('\n'),
    );
  });

  test('the .not fix keeps the policy for the others: ALTER ... TO, DROP only for a policy of that role alone', async () => {
    await using own = await createTestDatabase({
      ...backend.options,
      sql: `CREATE TABLE t (id int PRIMARY KEY, body text);
            CREATE POLICY "anon only" ON t FOR SELECT TO anonymous USING (true);
            CREATE POLICY "both" ON t FOR DELETE TO anonymous, authenticated USING (true);`,
    });
    const fix = async (cmd: 'select' | 'delete') => (await failureText(expect(own.table('t')).not.toHavePolicyFor(cmd, 'anonymous'))).split('Fix:\n')[1];
    expect(await fix('select')).toBe('  DROP POLICY "anon only" ON "public"."t";');
    expect(await fix('delete')).toBe('  ALTER POLICY "both" ON "public"."t" TO "authenticated";');
    // no owner column: the CREATE POLICY says so instead of inventing one
    expect((await failureText(expect(own.table('t')).toHavePolicyFor('update', 'authenticated'))).split('Fix:\n')[1]).toBe(
      '  CREATE POLICY "authenticated update" ON "public"."t" FOR UPDATE TO "authenticated"\n' +
        "    USING (<condition>) WITH CHECK (<condition>);  -- no column looks like the row's owner: write the condition that fits your table",
    );
  });

  test("under the Supabase preset the fix uses its identity function and its roles", async () => {
    await using supa = await createTestDatabase({
      ...backend.options,
      preset: 'supabase',
      sql: `CREATE TABLE todos (id int PRIMARY KEY, user_id uuid NOT NULL, task text);
            CREATE POLICY "read" ON todos FOR SELECT USING (true);
            CREATE TABLE notes (id int PRIMARY KEY, owner_id text NOT NULL);`,
    });
    const fixOf = async (p: PromiseLike<unknown>) => (await failureText(p)).split('Fix:\n')[1];
    expect(await fixOf(expect(supa.table('todos')).toHavePolicyFor('insert', 'authenticated'))).toBe(
      '  CREATE POLICY "authenticated insert" ON "public"."todos" FOR INSERT TO "authenticated"\n    WITH CHECK ((SELECT auth.uid()) = "user_id");  -- rows owned by the requester; adjust to your table',
    );
    expect(await fixOf(expect(supa.table('notes')).toHavePolicyFor('select', 'authenticated'))).toBe(
      '  CREATE POLICY "authenticated select" ON "public"."notes" FOR SELECT TO "authenticated"\n    USING ((SELECT auth.uid()::text) = "owner_id");  -- rows owned by the requester; adjust to your table',
    );
    // the only SELECT policy applies to PUBLIC: give it to authenticated, do not drop it
    expect(await fixOf(expect(supa.table('todos')).not.toHavePolicyFor('select', 'anon'))).toBe(
      '  ALTER POLICY "read" ON "public"."todos" TO "authenticated";  -- no TO clause means PUBLIC, anon included',
    );
  });

  test('bad arguments', async () => {
    await expect(expect(db().table('posts')).toHavePolicyFor('read' as never, 'authenticated')).rejects.toThrow(
      "toHavePolicyFor() takes a command: 'select', 'insert', 'update', 'delete' or 'all', got \"read\"",
    );
    await expect(expect(db().table('posts')).toHavePolicyFor('select', 'authenticatd')).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_ROLE',
      summary: 'role "authenticatd" does not exist; did you mean "authenticated"?',
    });
    await expect(expect(db().rows('posts')).toHavePolicyFor('select', 'authenticated')).rejects.toMatchObject({ code: 'ERR_PGRLS_INVALID_SUBJECT' });
  });
});
