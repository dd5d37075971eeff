import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend, [
    // created by another role: the Data API's default privileges (for the setup role) do not apply
    `DO $$ BEGIN CREATE ROLE other_creator_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     GRANT CREATE, USAGE ON SCHEMA public TO other_creator_t;
     SET ROLE other_creator_t; CREATE TABLE late (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text); RESET ROLE;`,
  ]);

  test('passes with the Data API grants; identity columns need no sequence grant', async () => {
    await expect(db().table('posts')).toGrantCrudTo('authenticated');
    await expect(db().table('posts')).not.toGrantCrudTo('anonymous');
  });

  test('a serial column needs USAGE on its sequence', async () => {
    expect(await failureText(expect(db().table('notes')).toGrantCrudTo('authenticated'))).toBe(
      [
        "expect(table).toGrantCrudTo('authenticated')",
        '',
        'Expected: authenticated to have SELECT, INSERT, UPDATE, DELETE on public.notes, USAGE on schema public and on public.notes_id_seq',
        'Received: missing USAGE on sequence public.notes_id_seq (its inserts call nextval)',
        '',
        'Fix:',
        '  GRANT USAGE ON SEQUENCE "public"."notes_id_seq" TO "authenticated";',
      ].join('\n'),
    );
  });

  test('missing table privileges, and default privileges of another creator explained', async () => {
    expect(await failureText(expect(db().table('vault')).toGrantCrudTo('authenticated'))).toBe(
      [
        "expect(table).toGrantCrudTo('authenticated')",
        '',
        'Expected: authenticated to have SELECT, INSERT, UPDATE, DELETE on public.vault, USAGE on schema public',
        'Received: missing SELECT, INSERT, UPDATE, DELETE on public.vault',
        '',
        'Why:',
        '  Without these grants the Data API answers 42501 "permission denied for table".',
        '',
        'Fix:',
        '  GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."vault" TO "authenticated";',
      ].join('\n'),
    );
    const late = await failureText(expect(db().table('late')).toGrantCrudTo('authenticated'));
    expect(late).toContain(
      'Default privileges of postgres would have granted DELETE, INSERT, SELECT, UPDATE, but public.late was created by other_creator_t: default privileges apply only to objects their role creates.',
    );
    expect(late).toContain('GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."late" TO "authenticated";');
  });

  test('bad arguments', async () => {
    await expect(expect(db().table('posts')).toGrantCrudTo(42 as never)).rejects.toThrow("toGrantCrudTo() takes a role name such as 'authenticated', got number 42");
    await expect(expect(db().table('posts')).toGrantCrudTo('nobody_here')).rejects.toMatchObject({ code: 'ERR_PGRLS_UNKNOWN_ROLE' });
  });
});
