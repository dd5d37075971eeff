import { expect, test } from 'vitest';
import { forEachBackend } from '../test/helpers/backends.js';
import { failureText } from '../test/helpers/failure-text.js';
import { useFixture } from '../test/helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend, [
    `DO $$ BEGIN CREATE ROLE member_top_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     DO $$ BEGIN CREATE ROLE member_mid_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     DO $$ BEGIN CREATE ROLE member_leaf_t NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
     GRANT member_top_t TO member_mid_t;
     GRANT member_mid_t TO member_leaf_t;`,
  ]);

  test('direct and inherited membership', async () => {
    await expect(db().role('member_mid_t')).toBeMemberOf('member_top_t');
    await expect(db().role('member_leaf_t')).toBeMemberOf('member_top_t');
    await expect(db().role('authenticated')).not.toBeMemberOf('member_top_t');
  });

  test('failure texts', async () => {
    expect(await failureText(expect(db().role('member_leaf_t')).not.toBeMemberOf('member_top_t'))).toBe(
      [
        "expect(role).not.toBeMemberOf('member_top_t')",
        '',
        'Expected: member_leaf_t not to be a member of member_top_t',
        'Received: member through member_leaf_t → member_mid_t → member_top_t',
        '',
        'Why:',
        '  A member of member_top_t has its privileges and, if it owns tables, skips their row level security.',
        '',
        'Fix:',
        '  REVOKE "member_mid_t" FROM "member_leaf_t";',
      ].join('\n'),
    );
    expect(await failureText(expect(db().role('authenticated')).toBeMemberOf('member_top_t'))).toBe(
      [
        "expect(role).toBeMemberOf('member_top_t')",
        '',
        'Expected: authenticated to be a member of member_top_t',
        'Received: not a member',
        '',
        'Fix:',
        '  GRANT "member_top_t" TO "authenticated";',
      ].join('\n'),
    );
  });

  test('unknown roles', async () => {
    await expect(expect(db().role('authenticate')).toBeMemberOf('member_top_t')).rejects.toMatchObject({
      code: 'ERR_PGRLS_UNKNOWN_ROLE',
      summary: 'role "authenticate" does not exist; did you mean "authenticated"?',
    });
    await expect(expect(db().table('posts')).toBeMemberOf('member_top_t')).rejects.toMatchObject({ code: 'ERR_PGRLS_INVALID_SUBJECT' });
  });
});
