/**
 * One schema for the matcher tests: the seed's correct posts table, plus tables broken in the
 * classic ways (RLS off, a PUBLIC USING (true) policy, no grants, a serial without USAGE).
 */
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../src/index.js';
import type { BackendCase } from './backends.js';
import { ALICE, BOB, POSTS_SEED, POSTS_SQL } from './schemas.js';

export const BROKEN_SQL = `
-- RLS off, a serial key whose sequence authenticated may not use, readable by anonymous
CREATE TABLE notes (id serial PRIMARY KEY, owner text NOT NULL DEFAULT auth.user_id(), body text);
GRANT SELECT ON notes TO anonymous;
INSERT INTO notes (owner, body) VALUES ('${ALICE}', 'alice note'), ('${BOB}', 'bob note');

-- RLS on, but a policy without TO (PUBLIC) that admits every row, and UPDATE without WITH CHECK
CREATE TABLE leaky (id int PRIMARY KEY, owner text NOT NULL, body text);
ALTER TABLE leaky ENABLE ROW LEVEL SECURITY;
CREATE POLICY "everyone reads" ON leaky FOR SELECT USING (true);
CREATE POLICY "owner updates" ON leaky FOR UPDATE TO authenticated USING (owner = (select auth.user_id()));
CREATE POLICY "owner deletes" ON leaky FOR DELETE TO authenticated USING (owner = (select auth.user_id()));
GRANT SELECT ON leaky TO anonymous;
INSERT INTO leaky VALUES (1, '${ALICE}', 'alice row'), (2, '${BOB}', 'bob row');

-- RLS on and correct policies, but authenticated has no privileges on it
CREATE TABLE vault (id int PRIMARY KEY, owner text NOT NULL, secret text);
ALTER TABLE vault ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own rows" ON vault FOR ALL TO authenticated USING (owner = (select auth.user_id()));
REVOKE ALL ON vault FROM authenticated;
INSERT INTO vault VALUES (1, '${ALICE}', 's1');

-- a role for membership tests (cluster-wide: tolerate an earlier run on the same server)
DO $$ BEGIN CREATE ROLE app_owner_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE FUNCTION public.get_post(bigint) RETURNS text LANGUAGE sql STABLE AS $$ SELECT content FROM posts WHERE id = $1 $$;
REVOKE EXECUTE ON FUNCTION public.get_post(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.get_post(bigint) TO authenticated;
`;

const SQL = [POSTS_SQL, POSTS_SEED, BROKEN_SQL];

/** Starts the fixture database for this backend in beforeAll; `get()` returns it inside tests. */
export function useFixture(backend: BackendCase, extraSql: string[] = []): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options, sql: [...SQL, ...extraSql] });
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => db!;
}

export { ALICE, BOB };
