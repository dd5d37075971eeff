// The weak suite (the Jest twin of ../fixture/weak.suite.ts): the happy path only; most mutants survive it.
const { ctx, useNotes } = require('./shared.cjs');

useNotes();

test('alice sees her note, also through the view', async () => {
  await expect(ctx.db.rows('notes', { owner: 'alice', body: 'a1' })).toBeVisibleTo(ctx.alice);
  await expect(ctx.db.rows('my_notes', { owner: 'alice', body: 'a1' })).toBeVisibleTo(ctx.alice);
});

test('the definer function answers', async () => {
  const { rows } = await ctx.db.as(ctx.alice).query('select public.note_count() as n');
  expect(rows).toHaveLength(1);
});
