/**
 * A table granted column by column (`GRANT SELECT (id, owner, display_name), UPDATE (display_name)`,
 * the fixture's `members`) is judged as Postgres judges each statement: what alice may read and
 * update is allowed, what she may not (email) is refused by privileges. Every place that settles a
 * refusal from the catalog instead of running the statement is covered: visibility, writes, the
 * access matrix, toSeeOnly.
 */
import { expect, test } from 'vitest';
import { forEachBackend } from '../helpers/backends.js';
import { failureText } from '../helpers/failure-text.js';
import { ALICE, BOB, useFixture } from '../helpers/fixture.js';

forEachBackend((backend) => {
  const db = useFixture(backend);
  const users = () => ({ alice: db().user('alice', { sub: ALICE }), bob: db().user('bob', { sub: BOB }) });

  test('alice updates the one column she may, on her own row only', async () => {
    const { alice, bob } = users();
    expect(await db().as(alice).update('members', { display_name: 'Al' }, { id: 1 })).toEqual({ rowCount: 1 });
    expect(await db().as(bob).update('members', { display_name: 'Al' }, { id: 1 })).toEqual({ rowCount: 0 });
    await expect(db().rows('members', { id: 1 })).toBeWritableOnlyBy(alice, { commands: ['update'] });
    // a column she may not update, or may not read back, is refused by privileges, as the API would
    await expect(db().as(alice).update('members', { email: 'x@example.com' }, { id: 1 })).rejects.toMatchObject({ code: '42501', message: 'permission denied for table members' });
    await expect(db().as(alice).update('members', { display_name: 'Al' }, { id: 1 }, { returning: true })).rejects.toMatchObject({ code: '42501' });
    expect(await db().as(alice).update('members', { display_name: 'Al' }, { id: 1 }, { returning: ['id', 'display_name'] })).toEqual({ rows: [{ id: 1, display_name: 'Al' }], rowCount: 1 });
  });

  test('no DELETE privilege: nobody deletes, and the message says privileges did it', async () => {
    const { alice } = users();
    expect(await failureText(expect(db().rows('members', { id: 1 })).toBeWritableOnlyBy(alice))).toContain('alice is refused by privileges: permission denied for table members');
  });

  test('the columns a user may read are visible, the others refused', async () => {
    const { alice, bob } = users();
    await expect(db().rows('members', { id: 1 })).toBeVisibleTo([alice, bob]);
    await expect(db().rows('members', { id: 1 }, { columns: ['display_name'] })).toBeVisibleTo([alice, bob]);
    await expect(db().rows('members', { id: 1 }, { columns: ['email'] })).toBeVisibleOnlyTo([]);
    await expect(db().rows('members', "email LIKE 'alice%'")).toBeVisibleOnlyTo([]);
    expect(await failureText(expect(db().rows('members', { id: 1 }, { columns: ['email'] })).toBeVisibleTo(alice))).toContain('alice is refused by privileges: permission denied for table members');
    // a condition on a column she may not read is refused too, although she may read the table
    expect(await failureText(expect(db().rows('members', { email: 'alice@example.com' })).toBeVisibleTo(alice))).toContain('alice is refused by privileges: permission denied for table members');
  });

  test('toSeeOnly reads the columns granted', async () => {
    const { alice } = users();
    await expect(db().as(alice)).toSeeOnly(db().rows('members', {}));
  });

  test('the access matrix counts a table granted by columns instead of calling it denied', async () => {
    const { alice } = users();
    expect(await db().accessMatrix({ tables: ['members'], requesters: [alice, db().anonymous] })).toEqual({
      requesters: ['alice', 'anonymous'],
      tables: {
        'public.members': {
          rows: 2,
          rls: true,
          access: {
            alice: { select: 2, insert: false, update: 1, delete: 'denied' },
            anonymous: { select: 'denied', insert: false, update: 'denied', delete: 'denied' },
          },
        },
      },
    });
  });
});
