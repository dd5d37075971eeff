import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

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
        '    WITH CHECK ((select auth.user_id()) = user_id);  -- the condition that fits your table',
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
        '  DROP POLICY "everyone reads" ON "public"."leaky";',
      ].join('\n'),
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
