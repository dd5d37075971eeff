import { readFileSync } from 'node:fs';

/** The seed's posts schema (shared/seeds/002, "Create a table with RLS"): the example's migration, used across tests. */
export const POSTS_SQL = readFileSync(new URL('../../examples/posts/migrations/001_posts.sql', import.meta.url), 'utf8');

/** Known subjects for seed rows: db.user('alice', { sub: ALICE }) etc. */
export const ALICE = 'user-alice';
export const BOB = 'user-bob';

export const POSTS_SEED = `
INSERT INTO posts (user_id, content, is_published) VALUES
  ('${ALICE}', 'alice published', true),
  ('${ALICE}', 'alice draft', false),
  ('${BOB}', 'bob published', true),
  ('${BOB}', 'bob draft', false);
`;
