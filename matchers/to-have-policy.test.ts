import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

const OWNER = '((owner = ( SELECT auth.user_id() AS user_id)))';

forEachBackend((backend) => {
  const db = useFixture(backend);

  test('passes when the policy exists and is FOR that command, TO exactly those roles, of that kind', async () => {
    await expect(db().table('leaky')).toHavePolicy('everyone reads');
    await expect(db().table('leaky')).toHavePolicy('everyone reads', { command: 'select', roles: 'PUBLIC', permissive: true });
    await expect(db().table('leaky')).toHavePolicy('owner updates', { command: 'UPDATE', roles: ['authenticated'] });
    await expect(db().table('posts')).toHavePolicy('Users can update their own posts', { command: 'update', roles: ['authenticated'] });
    await expect(db().table('vault')).toHavePolicy('own rows', { command: 'all' });
  });

  test('.not: no such policy, or one that differs in a part asked about', async () => {
    await expect(db().table('leaky')).not.toHavePolicy('nobody reads');
    await expect(db().table('leaky')).not.toHavePolicy('everyone reads', { roles: ['authenticated'] });
    await expect(db().table('leaky')).not.toHavePolicy('everyone reads', { roles: ['public', 'authenticated'] });
    await expect(db().table('vault')).not.toHavePolicy('own rows', { command: 'select' }); // FOR ALL is not FOR SELECT
    await expect(db().table('vault')).not.toHavePolicy('own rows', { permissive: false });
  });

  test('wrong roles: the definition, the difference, and ALTER POLICY ... TO', async () => {
    expect(await failureText(expect(db().table('leaky')).toHavePolicy('everyone reads', { roles: ['authenticated'] }))).toBe(
      [
        `expect(table).toHavePolicy('everyone reads', { roles: ["authenticated"] })`,
        '',
        'Expected: policy "everyone reads" on public.leaky TO authenticated',
        'Received: "everyone reads" FOR SELECT TO public USING (true)',
        '',
        'Why:',
        '  roles: missing authenticated; extra public',
        '',
        'Fix:',
        '  ALTER POLICY "everyone reads" ON "public"."leaky" TO "authenticated";',
      ].join('\n'),
    );
  });

  test('wrong command or kind: the policy dropped and created again, with the clauses its command allows', async () => {
    expect(await failureText(expect(db().table('vault')).toHavePolicy('own rows', { command: 'select', permissive: false }))).toBe(
      [
        `expect(table).toHavePolicy('own rows', { command: 'select', permissive: false })`,
        '',
        'Expected: policy "own rows" on public.vault AS RESTRICTIVE FOR SELECT',
        `Received: "own rows" FOR ALL TO authenticated USING ${OWNER}`,
        '',
        'Why:',
        '  command: FOR ALL, expected FOR SELECT',
        '  kind: PERMISSIVE, expected RESTRICTIVE',
        '',
        'Fix:',
        '  DROP POLICY "own rows" ON "public"."vault";',
        `  CREATE POLICY "own rows" ON "public"."vault" AS RESTRICTIVE FOR SELECT TO "authenticated" USING ${OWNER};`,
      ].join('\n'),
    );
    // a SELECT policy made an INSERT policy: its USING becomes the WITH CHECK
    const text = await failureText(expect(db().table('leaky')).toHavePolicy('owner deletes', { command: 'insert' }));
    expect(text.split('\n').slice(-2)).toEqual([
      '  DROP POLICY "owner deletes" ON "public"."leaky";',
      `  CREATE POLICY "owner deletes" ON "public"."leaky" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ${OWNER};`,
    ]);
  });

  test('a missing policy: the table\'s policies, and a rename or a CREATE POLICY', async () => {
    expect(await failureText(expect(db().table('leaky')).toHavePolicy('Owner update'))).toBe(
      [
        `expect(table).toHavePolicy('Owner update')`,
        '',
        'Expected: policy "Owner update" on public.leaky',
        'Received: no policy named "Owner update"',
        '',
        'Why:',
        '  Policies on the table:',
        '    "everyone reads" FOR SELECT TO public USING (true)',
        `    "owner deletes" FOR DELETE TO authenticated USING ${OWNER}`,
        `    "owner updates" FOR UPDATE TO authenticated USING ${OWNER}`,
        '',
        'Fix:',
        '  ALTER POLICY "owner updates" ON "public"."leaky" RENAME TO "Owner update";  -- if "owner updates" is the policy meant; else correct the name in the test',
      ].join('\n'),
    );
    const text = await failureText(expect(db().table('leaky')).toHavePolicy('owner inserts', { command: 'insert', roles: ['authenticated'] }));
    expect(text.split('\n').slice(-2)).toEqual([
      'Fix:',
      '  CREATE POLICY "owner inserts" ON "public"."leaky" AS PERMISSIVE FOR INSERT TO "authenticated" WITH CHECK ((SELECT auth.user_id()) = "owner");  -- rows owned by the requester; adjust to your table',
    ]);
  });

  test('.not failure on an existing policy offers DROP POLICY', async () => {
    expect(await failureText(expect(db().table('leaky')).not.toHavePolicy('everyone reads'))).toBe(
      [
        `expect(table).not.toHavePolicy('everyone reads')`,
        '',
        'Expected: no policy "everyone reads" on public.leaky',
        'Received: "everyone reads" FOR SELECT TO public USING (true)',
        '',
        'Fix:',
        '  DROP POLICY "everyone reads" ON "public"."leaky";',
      ].join('\n'),
    );
  });

  test('unknown tables and roles reject under .not too; bad arguments are TypeErrors', async () => {
    await expect(expect(db().table('leak')).not.toHavePolicy('x')).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
    await expect(expect(db().table('leaky')).not.toHavePolicy('everyone reads', { roles: ['authenticate'] })).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_ROLE',
    });
    await expect(expect(db().table('leaky')).toHavePolicy('everyone reads', { role: 'public' } as never)).rejects.toThrow(
      'toHavePolicy() options are command, roles and permissive; got "role"',
    );
    await expect(expect(db().table('leaky')).toHavePolicy('everyone reads', { command: 'upsert' } as never)).rejects.toThrow(TypeError);
    await expect(expect(db().table('leaky')).toHavePolicy('everyone reads', { roles: [] })).rejects.toThrow(TypeError);
    await expect(expect(db().table('leaky')).toHavePolicy('everyone reads', { permissive: 'yes' } as never)).rejects.toThrow(TypeError);
    await expect(expect(db().table('leaky')).toHavePolicy(42 as never)).rejects.toThrow(TypeError);
  });
});
