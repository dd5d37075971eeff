/**
 * Type tests (tsc, not run): with setupFilesAfterEnv: ['pg-rls-test/jest'] the matchers are on Jest's
 * expect, async, with .not, and their arguments are checked. Resolved through the package's
 * own exports to the built .d.ts files, as a user's project sees them.
 */
import { expect } from '@jest/globals';
import { expectTypeOf } from 'expect-type';
import type {} from 'pg-rls-test/jest'; // types only: at run time setupFilesAfterEnv registers the matchers
import type { Requester, RowSet, TableRef, TestDatabase, User } from 'pg-rls-test';

declare const db: TestDatabase;
declare const alice: User;
declare const bob: User;

expectTypeOf(db.table('posts')).toEqualTypeOf<TableRef>();
expectTypeOf(db.rows('posts', { is_published: true })).toEqualTypeOf<RowSet>();
expectTypeOf(alice).toMatchTypeOf<Requester>();

// every matcher is there, returns a Promise, and has .not
expectTypeOf(expect(db.table('posts')).toHaveRlsEnabled()).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.table('posts')).not.toHaveRlsEnabled({ forced: true })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.table('posts')).toHavePolicyFor('select', 'authenticated')).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.schema('public')).toHaveRlsEnabled()).toEqualTypeOf<Promise<void>>();
expectTypeOf(db.tables({ schema: 'public' })).toEqualTypeOf<Promise<TableRef[]>>();
expectTypeOf(expect(db.table('posts')).toHavePolicies(['Public read access'])).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.table('posts')).not.toHavePolicy('Public read access', { command: 'select', roles: ['authenticated'], permissive: true })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.table('posts')).toGrantCrudTo('authenticated')).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.table('posts')).toGrant(['SELECT', 'INSERT'], 'authenticated', { exactly: true })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.schema('public')).toGrant('SELECT', 'authenticated', { onTablesCreatedBy: 'postgres' })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(alice).toHaveValidSubClaim()).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.rows('posts', {})).toBeVisibleTo([alice, bob])).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.rows('posts', {})).toBeVisibleOnlyTo(alice, { among: [alice, bob, db.anonymous] })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.rows('posts', {})).toBeWritableOnlyBy([], { commands: ['update'] })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.as(bob).insert('posts', { content: 'x' })).toBeDeniedByRls()).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.role('authenticated')).not.toBeMemberOf('postgres')).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db.as(alice)).toSeeOnly(db.rows('posts', {}), { within: { is_published: false } })).toEqualTypeOf<Promise<void>>();
expectTypeOf(expect(db).toBeDataApiReady({ ignore: [{ check: 'rls_disabled_exposed', object: 'public.notes' }] })).toEqualTypeOf<Promise<void>>();

// wrong arguments are type errors
// @ts-expect-error an unknown option
void expect(db.table('posts')).toHaveRlsEnabled({ force: true });
// @ts-expect-error not a command
void expect(db.table('posts')).toHavePolicyFor('upsert', 'authenticated');
// @ts-expect-error toHavePolicies takes a list of names
void expect(db.table('posts')).toHavePolicies('Public read access');
// @ts-expect-error not a command of toHavePolicy
void expect(db.table('posts')).toHavePolicy('Public read access', { command: 'upsert' });
// @ts-expect-error an unknown option of toHavePolicy
void expect(db.table('posts')).toHavePolicy('Public read access', { role: 'authenticated' });
// @ts-expect-error a role is a name
void expect(db.table('posts')).toGrantCrudTo(alice);
// @ts-expect-error requesters are users, db.anonymous or tokens
void expect(db.rows('posts', {})).toBeVisibleOnlyTo(42);
// @ts-expect-error toSeeOnly takes a row set, not a table
void expect(db.as(alice)).toSeeOnly(db.table('posts'));
// @ts-expect-error not a command of toBeWritableOnlyBy
void expect(db.rows('posts', {})).toBeWritableOnlyBy(alice, { commands: ['insert'] });
// @ts-expect-error toBeDeniedByRls takes no argument
void expect(db.as(bob).insert('posts', {})).toBeDeniedByRls('42501');
