/**
 * Two copies of the library in one process, as Jest makes them for ES-module test files (the
 * setup file through require(), the tests through import): the built CommonJS and ESM copies
 * must recognise each other's objects, and share the registry that traces a raw token to its
 * database. The end-to-end proof is the Jest project in test/packaging.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertBuilt, ROOT } from './built.js';

type Lib = typeof import('../../src/internal.js');

let esm: Lib;
let cjs: Lib;
let db: InstanceType<Lib['TestDatabase']>;
beforeAll(async () => {
  assertBuilt();
  cjs = createRequire(import.meta.url)(join(ROOT, 'dist/internal.cjs')) as Lib;
  esm = (await import(/* @vite-ignore */ join(ROOT, 'dist/internal.js'))) as Lib;
  db = await esm.createTestDatabase({ sql: 'CREATE TABLE notes (id int)' });
}, 60_000);
afterAll(() => db?.close());

test('they are two copies: each has its own classes', () => {
  expect(cjs.RowSet).not.toBe(esm.RowSet);
});

test("a reference made by one copy is an instance of the other copy's class", () => {
  const alice = db.user('alice');
  const made: [unknown, keyof Lib][] = [
    [db, 'TestDatabase'],
    [db.table('notes'), 'TableRef'],
    [db.rows('notes', { id: 1 }), 'RowSet'],
    [db.column('notes', 'id'), 'ColumnRef'],
    [db.schema('public'), 'ObjectRef'],
    [db.role('authenticated'), 'RoleRef'],
    [alice, 'User'],
    [db.anonymous, 'Anonymous'],
    [db.as(alice), 'Session'],
    [db.as(alice).query('select 1'), 'PendingRequest'],
  ];
  for (const [value, cls] of made) {
    expect([cls, value instanceof (cjs[cls] as abstract new () => unknown)]).toEqual([cls, true]);
    expect([cls, value instanceof (esm[cls] as abstract new () => unknown)]).toEqual([cls, true]);
  }
  expect(db.table('notes') instanceof cjs.RowSet).toBe(false);
  expect({ kind: 'table', name: 'notes' } instanceof cjs.TableRef).toBe(false);
});

test('every class the package exports is branded (a new one needs static { brand(this, name) })', async () => {
  const index = (await import(/* @vite-ignore */ join(ROOT, 'dist/index.js'))) as Record<string, unknown>;
  const classes = Object.entries(index).filter(([, v]) => typeof v === 'function' && /^class\b/.test(Function.prototype.toString.call(v)));
  expect(classes.length).toBeGreaterThan(20);
  const unbranded = classes.filter(([, cls]) => !Object.getOwnPropertySymbols(cls).includes(Symbol.for('pg-rls-test.brand'))).map(([name]) => name);
  expect(unbranded).toEqual([]);
});

test('errors: a class and its subclasses across copies, nothing else', () => {
  const unknown = new cjs.UnknownTableError('postz', ['posts']);
  expect(unknown).toBeInstanceOf(esm.UnknownTableError);
  expect(unknown).toBeInstanceOf(esm.PgRlsTestError);
  expect(unknown).toBeInstanceOf(Error);
  expect(unknown).not.toBeInstanceOf(esm.UnknownRoleError);
  expect(new esm.PgRlsTestError('base')).not.toBeInstanceOf(cjs.UnknownTableError);
  expect(new esm.DataApiError({ status: 403, code: '42501', message: 'permission denied for table notes', detail: null, hint: null })).toBeInstanceOf(cjs.DataApiError);
  expect(new Error('plain')).not.toBeInstanceOf(cjs.PgRlsTestError);
  expect(null).not.toBeInstanceOf(cjs.PgRlsTestError);
});

test("a raw token is traced to its database by the other copy (toHaveValidSubClaim(token) needs that)", async () => {
  expect(cjs.databaseForToken(await db.user('bob').token)).toBe(db);
});
