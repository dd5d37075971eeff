// A suite that fails on the unmutated schema: mutate must refuse it.
const { ctx, useNotes } = require('./shared.cjs');

useNotes();

test('a wrong expectation', async () => {
  await expect(ctx.db.rows('notes', { owner: 'bob' })).toBeVisibleTo(ctx.alice);
});
