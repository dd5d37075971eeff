// The strong suite (the Jest twin of ../fixture/strong.suite.ts): a test that kills a mutant of every operator.
const { ctx, useNotes } = require('./shared.cjs');

useNotes();

test('structure: RLS forced, exact grants, no policy for anonymous', async () => {
  const { db } = ctx;
  await expect(db.table('notes')).toHaveRlsEnabled({ forced: true });
  await expect(db.table('notes')).toGrant(['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'authenticated', { exactly: true });
  await expect(db.table('notes')).toGrant([], 'anonymous', { exactly: true });
  for (const cmd of ['select', 'insert', 'update', 'delete']) await expect(db.table('notes')).not.toHavePolicyFor(cmd, 'anonymous');
  await expect(db.function('public.note_count()')).toGrant('EXECUTE', 'authenticated');
  await expect(db).toBeDataApiReady();
  // note_count() without its pinned search_path is a warning (it only reads), which does not fail toBeDataApiReady
  expect((await db.audit()).findings.filter((f) => f.check === 'security_definer_search_path_mutable')).toEqual([]);
});

describe('reads', () => {
  test('own rows with a body, in team red, nothing without sub', async () => {
    const { db, alice, carol, nosub } = ctx;
    await expect(db.rows('notes', { owner: 'alice', body: 'a1' })).toBeVisibleOnlyTo(alice);
    await expect(db.rows('notes', { owner: 'alice', body: '' })).not.toBeVisibleTo(alice);
    await expect(db.rows('notes', { owner: 'carol' })).not.toBeVisibleTo(carol);
    await expect(db.rows('notes', { owner: 'alice', body: 'a1' })).not.toBeVisibleTo(nosub);
    await expect(db.rows('my_notes', { owner: 'alice', body: 'a1' })).toBeVisibleOnlyTo(alice);
  });
});

test('writes: own rows only, no forged owner, no handover, no delete policy', async () => {
  const { db, alice, bob } = ctx;
  await expect(db.rows('notes', { owner: 'alice', body: 'a1' })).toBeWritableOnlyBy(alice, { commands: ['update'], ownerColumn: 'owner' });
  await expect(db.rows('notes', { owner: 'alice', body: 'a1' })).toBeWritableOnlyBy([], { commands: ['delete'] });
  await expect(db.as(bob).insert('notes', { owner: 'alice', body: 'forged' })).toBeDeniedByRls();
  await expect(db.as(alice).insert('notes', { body: 'mine' })).not.toBeDeniedByRls();
  await expect(db.as(alice).insert('notes', { body: 'blue', team: 'blue' })).toBeDeniedByRls();
});

test('the definer function counts my notes', async () => {
  const { db, alice } = ctx;
  const { rows } = await db.as(alice).query('select public.note_count() as n');
  expect(rows[0].n).toBe(2);
});
