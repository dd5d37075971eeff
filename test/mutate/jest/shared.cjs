// One database per file, as users write it; the backend comes from PG_RLS_TEST_BACKEND.
const { join } = require('node:path');
const { createTestDatabase } = require('pg-rls-test');

const ctx = {};

function useNotes() {
  beforeAll(async () => {
    ctx.db = await createTestDatabase({ migrations: join(__dirname, '../fixture/migrations') });
    ctx.alice = ctx.db.user('alice', { sub: 'alice' });
    ctx.bob = ctx.db.user('bob', { sub: 'bob' });
    ctx.carol = ctx.db.user('carol', { sub: 'carol' });
    ctx.nosub = ctx.db.user('nosub', { sub: null });
  });
  afterAll(() => ctx.db?.close());
}

module.exports = { ctx, useNotes };
