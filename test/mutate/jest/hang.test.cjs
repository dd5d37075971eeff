// A test that never ends when alice sees bob's note (a mutant with USING true): Timeout.
const { ctx, useNotes } = require('./shared.cjs');

useNotes();

test('waits forever on a leak', async () => {
  const { rows } = await ctx.db.as(ctx.alice).query(`select count(*)::int as n from notes where owner = 'bob'`);
  if (Number(rows[0].n) > 0) await new Promise(() => undefined);
  expect(Number(rows[0].n)).toBe(0);
});
