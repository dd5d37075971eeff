/**
 * What a write returns, as the Data API's `Prefer: return=...`: by default (return=minimal, the
 * POST/PATCH/DELETE a client sends without Prefer) only how many rows it wrote; with
 * `{ returning: true }` or a column list, the rows (return=representation, with `select=`).
 */
import { expect, test } from 'vitest';
import { forEachBackend } from '../helpers/backends.js';
import { ALICE, BOB, useFixture } from '../helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend);

  test('a requester write returns { rowCount } unless rows are asked for', async () => {
    const alice = db().user('alice', { sub: ALICE });
    expect(await db().as(alice).insert('posts', { content: 'a' })).toEqual({ rowCount: 1 });
    expect(await db().as(alice).insert('posts', [{ content: 'a' }, { content: 'b' }])).toEqual({ rowCount: 2 });
    expect(await db().as(alice).update('posts', { content: 'x' }, { user_id: ALICE })).toEqual({ rowCount: 2 });
    expect(await db().as(alice).delete('posts', { user_id: BOB })).toEqual({ rowCount: 0 });
    const inserted = await db().as(alice).insert('posts', { content: 'a' }, { returning: true });
    expect(inserted.rows[0]).toMatchObject({ user_id: ALICE, content: 'a', is_published: false });
    expect(await db().as(alice).update('posts', { content: 'x' }, { user_id: ALICE, is_published: true }, { returning: ['content', 'user_id'] })).toEqual({
      rows: [{ content: 'x', user_id: ALICE }],
      rowCount: 1,
    });
    expect((await db().as(alice).delete('posts', { user_id: ALICE }, { returning: ['content'] })).rows.map((r) => r.content).sort()).toEqual(['alice draft', 'alice published']);
    expect(await db().as(alice).insert('posts', { content: 'a' }, { returning: false })).toEqual({ rowCount: 1 });
  });

  test('the owner and transactions follow the same rule', async () => {
    const alice = db().user('alice', { sub: ALICE });
    await db().owner.transaction(async (tx) => {
      expect(await tx.insert('notes', { owner: ALICE, body: 'n' })).toEqual({ rowCount: 1 });
      expect((await tx.insert('notes', { owner: ALICE, body: 'n' }, { returning: ['body'] })).rows).toEqual([{ body: 'n' }]);
    });
    await db().as(alice).transaction(async (tx) => {
      expect(await tx.insert('posts', { content: 'in tx' })).toEqual({ rowCount: 1 });
      expect(await tx.update('posts', { content: 'y' }, { content: 'in tx' }, { returning: ['content'] })).toEqual({ rows: [{ content: 'y' }], rowCount: 1 });
    });
    try {
      expect(await db().owner.update('notes', { body: 'changed' }, { owner: ALICE })).toEqual({ rowCount: 1 });
    } finally {
      await db().reset();
    }
  });

  test('SQL that ends with a -- comment is still rolled back (requests) or committed and tracked (owner)', async () => {
    const alice = db().user('alice', { sub: ALICE });
    const count = async () => (await db().owner.query(`select count(*)::int as n from posts where content = 'commented'`)).rows[0]!.n;
    await db().as(alice).query(`insert into posts (content) values ('commented') -- a note`);
    expect(await count()).toBe(0);
    await expect(db().rows('posts', { user_id: ALICE })).toBeVisibleTo(alice);
    try {
      await db().owner.query(`insert into posts (user_id, content) values ('${ALICE}', 'commented')  -- a note`);
      expect(await count()).toBe(1);
    } finally {
      await db().reset();
    }
    expect(await count()).toBe(0);
  });

  test('a wrong returning option is refused before anything runs', async () => {
    const alice = db().user('alice', { sub: ALICE });
    await expect(db().as(alice).insert('posts', { content: 'a' }, { returning: ['contnt'] })).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_COLUMN',
      summary: 'column of public.posts "contnt" does not exist; did you mean "content"?',
    });
    await expect(db().as(alice).insert('posts', { content: 'a' }, { returning: [] })).rejects.toThrow('insert(): "returning" must be true, false, or a non-empty list of column names, got []');
    await expect(db().as(alice).delete('posts', {}, 'id' as never)).rejects.toThrow('delete() options must be an object such as { returning: true }');
  });
});
