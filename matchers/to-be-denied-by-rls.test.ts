import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { ALICE, BOB, useFixture } from '../test/helpers/fixture.js';
import { RequestFailedError } from '../src/index.js';

forEachBackend((backend) => {
  const db = useFixture(backend);
  const users = () => ({ alice: db().user('alice', { sub: ALICE }), bob: db().user('bob', { sub: BOB }) });

  test('refused by a policy (42501), by privileges, or 0 rows affected', async () => {
    const { alice, bob } = users();
    await expect(db().as(bob).insert('posts', { user_id: ALICE, content: 'forged' })).toBeDeniedByRls();
    await expect(db().as(bob).update('posts', { content: 'hijacked' }, { user_id: ALICE })).toBeDeniedByRls();
    await expect(db().as(bob).delete('posts', { user_id: ALICE })).toBeDeniedByRls();
    await expect(db().as(alice).insert('vault', { id: 9, owner: ALICE, secret: 's' })).toBeDeniedByRls();
    await expect(db().as(db().anonymous).query('select * from posts')).toBeDeniedByRls();
    await expect(db().as(alice).insert('posts', { content: 'mine' })).not.toBeDeniedByRls();
  });

  test('the message says which: policy, privilege, success, or another error', async () => {
    const { alice, bob } = users();
    expect(await failureText(expect(db().as(bob).insert('posts', { user_id: ALICE, content: 'forged' })).not.toBeDeniedByRls())).toBe(
      [
        'expect(request).not.toBeDeniedByRls()',
        '',
        'Expected: the insert on posts as bob to be allowed',
        'Received: refused by an RLS policy: new row violates row-level security policy for table "posts"',
      ].join('\n'),
    );
    expect(await failureText(expect(db().as(alice).insert('vault', { id: 9, owner: ALICE })).not.toBeDeniedByRls())).toContain(
      'Received: refused: no privilege on the table: permission denied for table vault',
    );
    expect(await failureText(expect(db().as(bob).update('notes', { body: 'x' }, { owner: ALICE })).toBeDeniedByRls())).toBe(
      [
        'expect(request).toBeDeniedByRls()',
        '',
        'Expected: the update on notes as bob to be refused (42501) or to affect no row',
        'Received: succeeded: 1 row written',
        '',
        'Why:',
        '  Row level security is disabled on public.notes.',
        '',
        'Fix:',
        '  ALTER TABLE "public"."notes" ENABLE ROW LEVEL SECURITY;',
      ].join('\n'),
    );
  });

  test('a request that fails for another reason (23502) fails the matcher both ways, .not included', async () => {
    const { alice } = users();
    const broken = () => db().as(alice).insert('posts', { user_id: ALICE }); // content is NOT NULL without default
    for (const assertion of [expect(broken()).toBeDeniedByRls(), expect(broken()).not.toBeDeniedByRls()]) {
      const err = await assertion.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RequestFailedError);
      expect(err).toMatchObject({ code: 'ERR_PGRLS_REQUEST_FAILED', sqlState: '23502' });
      expect((err as Error).message).toBe(
        [
          'toBeDeniedByRls(): the insert on posts as alice failed for another reason: null value in column "content" of relation "posts" violates not-null constraint (23502)',
          'hint: give every NOT NULL column without a default a value; only 42501 (a policy or a missing privilege) counts as refused: fix the request so that it fails, or succeeds, for the reason under test',
        ].join('\n'),
      );
    }
    // a foreign key, a cast: likewise
    await expect(expect(db().as(alice).update('posts', { is_published: 'maybe' }, { user_id: ALICE })).not.toBeDeniedByRls()).rejects.toMatchObject({ code: 'ERR_PGRLS_REQUEST_FAILED', sqlState: '22P02' });
  });

  test('a forged insert the Data API accepts fails the matcher: writes are judged without RETURNING', async () => {
    const { bob } = users();
    const forged = () => db().as(bob).insert('open_posts', { user_id: ALICE, content: 'forged' });
    // As the API sends a POST by default (return=minimal), the row is written...
    expect(await forged()).toEqual({ rowCount: 1 });
    // ...while asking for the representation also demands the SELECT policy, which hides alice's row.
    await expect(db().as(bob).insert('open_posts', { user_id: ALICE, content: 'forged' }, { returning: true })).rejects.toMatchObject({
      code: '42501',
      message: 'new row violates row-level security policy for table "open_posts"',
    });
    expect(await failureText(expect(forged()).toBeDeniedByRls())).toBe(
      [
        'expect(request).toBeDeniedByRls()',
        '',
        'Expected: the insert on open_posts as bob to be refused (42501) or to affect no row',
        'Received: succeeded: 1 row written',
        '',
        'Why:',
        '  The Data API accepts this POST as sent by default (return=minimal, no RETURNING): only the INSERT policies judge the new row, the SELECT policies do not.',
        '  Permissive INSERT policies that apply to authenticated, any one of which lets the insert through:',
        '    "anyone inserts" FOR INSERT TO authenticated WITH CHECK (true)',
        '',
        'Fix:',
        `  ALTER POLICY "anyone inserts" ON "public"."open_posts" WITH CHECK ((SELECT auth.user_id()) = "user_id");  -- only the owner's rows: check that it is false for this new row as bob`,
      ].join('\n'),
    );
  });

  test('writes tried by the matcher are rolled back', async () => {
    const { alice } = users();
    await expect(db().as(alice).insert('posts', { content: 'temp' })).not.toBeDeniedByRls();
    const { rows } = await db().owner.query(`SELECT count(*)::int AS n FROM posts WHERE content = 'temp'`);
    expect(rows[0]!.n).toBe(0);
  });

  test('a request that was already awaited, or a bare promise, is refused as a subject', async () => {
    const { alice } = users();
    await expect(expect(Promise.resolve(1)).toBeDeniedByRls()).rejects.toMatchObject({
      code: 'ERR_PGRLS_INVALID_SUBJECT',
      summary: 'toBeDeniedByRls() expects a pending request such as db.as(user).insert(table, values), received a Promise',
    });
    await expect(expect(db().as(alice).insert('postz', { content: 'x' })).toBeDeniedByRls()).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_TABLE' });
    await expect(expect(db().as(alice).insert('posts', { contnt: 'x' })).toBeDeniedByRls()).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_COLUMN',
      summary: 'column of public.posts "contnt" does not exist; did you mean "content"?',
    });
  });
});
