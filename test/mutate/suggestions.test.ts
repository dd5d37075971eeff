/**
 * Every mutation operator's "kill it" suggestion, filled in for the fixture (test/mutate/fixture:
 * alice, bob and carol own notes; carol's is in team blue, which the restrictive policy keeps
 * out), passes on the schema and fails on its mutant: it kills the mutant for the reason it names,
 * not because the request failed otherwise (a missing NOT NULL column, say).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import '../../matchers/vitest.js';
import { createTestDatabase, MutantInvalidError, RequestFailedError, type TestDatabase, type User } from '../../src/index.js';
import { ENGINE } from '../../src/refs.js';
import { applyMutation } from '../../src/backends/types.js';
import { readMutationFacts } from '../../src/mutate/facts.js';
import { generateMutants } from '../../src/mutate/operators.js';
import { OPERATORS, type MutantSpec } from '../../src/mutate/types.js';
import { loadParser } from '../../src/sql/parse.js';
import { forEachBackend } from '../helpers/backends.js';

/** What a reader of the report would write for each placeholder, and who then plays owner and user. */
const FILL: Record<string, { where: string; owner?: 'alice' | 'carol'; user?: 'bob' }> = {
  "the owner's rows this policy keeps out": { where: "team: 'blue'", owner: 'carol' },
  'a row this policy keeps out': { where: "team: 'blue'" },
  "another user's row": { where: "owner: 'alice', body: 'a1'", user: 'bob' },
  "the owner's rows where NOT (body <> ''::text)": { where: "body: ''", owner: 'alice' },
};

/**
 * A table whose SELECT policy lets a token without sub read the published rows, so that an
 * UPDATE or DELETE policy admitting it (null_identity_admitted) changes what that token can do.
 */
const POSTS = `
CREATE TABLE posts (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id text NOT NULL DEFAULT auth.user_id(), content text NOT NULL, is_published boolean NOT NULL DEFAULT false);
ALTER TABLE posts ENABLE ROW LEVEL SECURITY;
CREATE POLICY "read published or own" ON posts FOR SELECT TO authenticated USING (is_published OR user_id = (SELECT auth.user_id()));
CREATE POLICY "update own" ON posts FOR UPDATE TO authenticated USING (user_id = (SELECT auth.user_id()));
CREATE POLICY "delete own" ON posts FOR DELETE TO authenticated USING (user_id = (SELECT auth.user_id()));
INSERT INTO posts (user_id, content, is_published) VALUES ('alice', 'a', true), ('bob', 'b', true), ('bob', 'b draft', false);`;

/** Mutants of the notes fixture that no matcher can kill, and why. */
const EQUIVALENT: Record<string, string> = {
  'null_identity_admitted public.notes "team red"': 'no permissive policy admits a token without sub',
  'null_identity_admitted public.notes "edit own"': 'an UPDATE reads the rows through the SELECT policy, which admits no row to a token without sub',
  'using_true public.notes "edit own"': 'an UPDATE reads the rows through the SELECT policy, which admits only the owner\'s',
  'check_true public.notes "edit own"': 'the SELECT policy also checks the updated row: the owner still cannot hand it away',
  'command_widened public.notes "write own"': 'FOR ALL without USING admits no row to read, update or delete; its WITH CHECK adds nothing the UPDATE policy does not allow here',
};

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;

forEachBackend((backend) => {
  let db: TestDatabase;
  let users: Record<'alice' | 'bob' | 'carol', User>;
  let mutants: MutantSpec[];
  beforeAll(async () => {
    db = await createTestDatabase({ ...backend.options, migrations: new URL('./fixture/migrations', import.meta.url).pathname, sql: POSTS });
    users = { alice: db.user('alice', { sub: 'alice' }), bob: db.user('bob', { sub: 'bob' }), carol: db.user('carol', { sub: 'carol' }) };
    await loadParser();
    const facts = await db[ENGINE].backend.exclusive((c) => readMutationFacts(c, { schemas: ['public'], apiRoles: { authenticated: 'authenticated', anonymous: 'anonymous' } }));
    mutants = generateMutants(facts, { identity: 'auth.user_id()' }).mutants;
  });
  afterAll(() => db?.close());

  /** The suggestion with its placeholders filled in, as a function of the test's names. */
  function filled(m: MutantSpec): { run: () => Promise<void>; code: string } {
    let owner: User = users.bob;
    let user: User = users.carol;
    const code = m.suggestion.replace(/\/\* (.+?) \*\/( ?)(\}?)/g, (_all, text: string, space: string, close: string) => {
      const fill = FILL[text];
      if (!fill) throw new Error(`no fill for the placeholder "${text}" in: ${m.suggestion}`);
      if (fill.owner) owner = users[fill.owner];
      if (fill.user) user = users[fill.user];
      return close ? `${fill.where} }` : `${fill.where},${space}`;
    });
    const fn = new AsyncFunction('db', 'expect', 'owner', 'other', 'user', code);
    return { code, run: () => fn(db, expect, owner, users.alice, user) };
  }

  const id = (m: MutantSpec) => `${m.mutatorName} ${m.object}`;

  /** Runs the filled-in suggestion on the schema (it must pass) and on the mutant: 'passed', or what it rejected with. */
  async function verdict(m: MutantSpec): Promise<unknown> {
    const { run, code } = filled(m);
    await run().catch((e: unknown) => {
      throw new Error(`${id(m)}: the suggestion fails on the unmutated schema: ${code}\n${(e as Error).message}`);
    });
    // the fixture's grant passed on by its grantee cannot be revoked (mutate reports it as invalid)
    const mutation = { id: m.mutatorName, apply: m.replacement, undo: m.undo };
    const applied = await db[ENGINE].backend.exclusive((c) => applyMutation(c, mutation)).then(
      () => true,
      (e: unknown) => (e instanceof MutantInvalidError ? false : Promise.reject(e)),
    );
    if (!applied) return 'invalid';
    db[ENGINE].catalog.invalidate();
    try {
      return await run().then(() => 'passed', (e: unknown) => e);
    } finally {
      await db[ENGINE].backend.exclusive((c) => applyMutation(c, mutation, 'undo'));
      db[ENGINE].catalog.invalidate();
    }
  }

  test('a token without sub admitted by an UPDATE or DELETE policy is caught by the suggested toBeWritableOnlyBy, by a SELECT policy by the visibility check', async () => {
    const nullIdentity = mutants.filter((m) => m.mutatorName === 'null_identity_admitted' && m.object.startsWith('public.posts '));
    expect(nullIdentity.map((m) => m.suggestion)).toEqual([
      "await expect(db.rows('public.posts', { user_id: owner.sub })).toBeWritableOnlyBy(owner, { among: [db.user('no-sub', { sub: null })], commands: ['delete'] });",
      "await expect(db.rows('public.posts', { user_id: owner.sub })).not.toBeVisibleTo(db.user('no-sub', { sub: null }));",
      "await expect(db.rows('public.posts', { user_id: owner.sub })).toBeWritableOnlyBy(owner, { among: [db.user('no-sub', { sub: null })], commands: ['update'] });",
    ]);
    for (const m of nullIdentity) {
      const outcome = await verdict(m);
      expect(outcome).toBeInstanceOf(Error);
      expect(outcome).not.toBeInstanceOf(RequestFailedError);
      expect((outcome as Error).message).toMatch(/no-sub/); // the matcher names the token without sub as the one that reads or writes
    }
  });

  test('each operator has a suggestion, and each suggestion passes on the schema and fails on its mutant', async () => {
    const notes = mutants.filter((m) => !m.object.startsWith('public.posts'));
    expect(new Set(notes.map((m) => m.mutatorName))).toEqual(new Set(OPERATORS));
    const survivors: string[] = [];
    for (const m of notes) {
      const outcome = await verdict(m);
      if (outcome === 'invalid') continue;
      // a request that failed for another reason proves nothing: that is not a kill
      expect(outcome instanceof RequestFailedError ? `${id(m)}: ${(outcome as Error).message}` : '').toBe('');
      if (outcome === 'passed' && !(id(m) in EQUIVALENT)) survivors.push(`${id(m)} (${m.description}): ${filled(m).code}`);
      if (outcome !== 'passed') expect(id(m) in EQUIVALENT ? `${id(m)} is killed: it is not equivalent` : '').toBe('');
    }
    expect(survivors).toEqual([]);
  });
});
