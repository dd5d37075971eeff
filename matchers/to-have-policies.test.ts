import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

const LEAKY_POLICIES = [
  '  Policies on the table:',
  '    "everyone reads" FOR SELECT TO public USING (true)',
  '    "owner deletes" FOR DELETE TO authenticated USING ((owner = ( SELECT auth.user_id() AS user_id)))',
  '    "owner updates" FOR UPDATE TO authenticated USING ((owner = ( SELECT auth.user_id() AS user_id)))',
];

forEachBackend((backend) => {
  const db = useFixture(backend);

  test('passes on exactly these names, in any order; .not when one is missing or extra', async () => {
    await expect(db().table('leaky')).toHavePolicies(['owner updates', 'everyone reads', 'owner deletes']);
    await expect(db().table('notes')).toHavePolicies([]);
    await expect(db().table('leaky')).not.toHavePolicies(['everyone reads', 'owner deletes']);
    await expect(db().table('leaky')).not.toHavePolicies(['everyone reads', 'owner deletes', 'owner updates', 'owner inserts']);
    await expect(db().table('posts')).toHavePolicies([
      'Public read access',
      'Users can insert their own posts',
      'Users can update their own posts',
      'Users can delete their own posts',
    ]);
  });

  test('failure text lists the missing and the extra policies, with a rename, a drop and a create', async () => {
    expect(await failureText(expect(db().table('leaky')).toHavePolicies(['everyone reads', 'owner update', 'owner inserts']))).toBe(
      [
        'expect(table).toHavePolicies(["everyone reads","owner update","owner inserts"])',
        '',
        'Expected: exactly the policies "everyone reads", "owner update", "owner inserts" on public.leaky',
        'Received: missing "owner update", "owner inserts"; extra "owner deletes", "owner updates"',
        '',
        'Why:',
        ...LEAKY_POLICIES,
        '',
        'Fix:',
        '  ALTER POLICY "owner updates" ON "public"."leaky" RENAME TO "owner update";  -- if "owner updates" is the policy meant; else correct the name in the test',
        '  DROP POLICY "owner deletes" ON "public"."leaky";  -- or list it in the test, if it belongs there',
        '  -- CREATE POLICY "owner inserts" ON "public"."leaky" FOR <command> TO <roles> USING (<condition>);  -- no policy of that name: create it, or take it off the list',
      ].join('\n'),
    );
    expect(await failureText(expect(db().table('notes')).toHavePolicies(['own notes']))).toBe(
      [
        'expect(table).toHavePolicies(["own notes"])',
        '',
        'Expected: exactly the policies "own notes" on public.notes',
        'Received: missing "own notes"',
        '',
        'Why:',
        '  Row level security is disabled on public.notes, so no policy is enforced at all.',
        '',
        'Fix:',
        '  -- CREATE POLICY "own notes" ON "public"."notes" FOR <command> TO <roles> USING (<condition>);  -- no policy of that name: create it, or take it off the list',
      ].join('\n'),
    );
    expect(await failureText(expect(db().table('leaky')).not.toHavePolicies(['owner updates', 'everyone reads', 'owner deletes']))).toBe(
      [
        'expect(table).not.toHavePolicies(["owner updates","everyone reads","owner deletes"])',
        '',
        'Expected: other policies than "owner updates", "everyone reads", "owner deletes" on public.leaky',
        'Received: exactly those',
      ].join('\n'),
    );
  });

  test('an unknown table rejects under .not too; a wrong subject or list is refused', async () => {
    await expect(expect(db().table('leak')).not.toHavePolicies([])).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
    await expect(expect(db().rows('leaky', {})).toHavePolicies([])).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      summary: 'toHavePolicies() expects db.table(name), received an object (RowSet)',
    });
    await expect(expect(db().table('leaky')).toHavePolicies('everyone reads' as never)).rejects.toThrow(TypeError);
    await expect(expect(db().table('leaky')).toHavePolicies(['everyone reads', 'everyone reads'])).rejects.toThrow(
      'toHavePolicies() got "everyone reads" twice: policy names are unique per table',
    );
  });
});
