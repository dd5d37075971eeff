/** Turning `received` into what a matcher works on, or throwing (under .not too). */
import { InvalidSubjectError } from '../src/internal.js';
import { ColumnRef, ObjectRef, RoleRef, RowSet, TableRef } from '../src/internal.js';
import { PendingRequest } from '../src/internal.js';
import { Anonymous, User, type Requester } from '../src/internal.js';
import { TestDatabase } from '../src/internal.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function') return 'a Promise';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function reject(matcher: string, wanted: string, got: unknown, hint?: string): never {
  throw new InvalidSubjectError(`${matcher}() expects ${wanted}, received ${describe(got)}`, hint ? { hint } : {});
}

export function asTable(received: unknown, matcher: string): TableRef {
  if (received instanceof TableRef) return received;
  return reject(matcher, 'db.table(name)', received, typeof received === 'string' ? `write expect(db.table(${JSON.stringify(received)}))` : undefined);
}

/** A table, or a schema for a check over each of its tables. */
export function asTableOrSchema(received: unknown, matcher: string): TableRef | ObjectRef<'schema'> {
  if (received instanceof TableRef || (received instanceof ObjectRef && received.kind === 'schema')) return received as TableRef | ObjectRef<'schema'>;
  return reject(matcher, 'db.table(name) or db.schema(name)', received, typeof received === 'string' ? `write expect(db.table(${JSON.stringify(received)})), or expect(db.schema(${JSON.stringify(received)})) for every table of a schema` : undefined);
}

export function asRows(received: unknown, matcher: string): RowSet {
  if (received instanceof RowSet) return received;
  return reject(matcher, 'db.rows(table, where)', received);
}

export function isRequester(v: unknown): v is Requester {
  return v instanceof User || v instanceof Anonymous || typeof v === 'string';
}

/** One requester or a list (an empty list: nobody). */
export function asRequesters(value: unknown, matcher: string, what = 'a user, db.anonymous, a JWT string, or a list of them'): Requester[] {
  const list = Array.isArray(value) ? value : [value];
  for (const r of list) {
    if (!isRequester(r)) reject(matcher, what, r, 'create users with db.user(name)');
    if (typeof r === 'string' && r.split('.').length !== 3) reject(matcher, what, r, `a string is taken as a JWT; for a user write db.user(${JSON.stringify(r)})`);
  }
  return list as Requester[];
}

export function asUserOrToken(received: unknown, matcher: string): User | string {
  if (received instanceof User || typeof received === 'string') return received;
  return reject(matcher, 'a user from db.user() or a JWT string', received, received && typeof (received as { then?: unknown }).then === 'function' ? 'await the token first: expect(await user.token)' : undefined);
}

export function asPending(received: unknown, matcher: string): PendingRequest {
  if (received instanceof PendingRequest) return received;
  return reject(matcher, 'a pending request such as db.as(user).insert(table, values)', received, 'pass the call itself, without awaiting it');
}

export function asDatabase(received: unknown, matcher: string): TestDatabase {
  if (received instanceof TestDatabase) return received;
  return reject(matcher, 'the test database (expect(db))', received);
}

export type Grantable = TableRef | ColumnRef | ObjectRef<'function' | 'schema' | 'sequence'>;

export function asGrantable(received: unknown, matcher: string): Grantable {
  if (received instanceof TableRef || received instanceof ColumnRef || received instanceof ObjectRef) return received;
  return reject(matcher, 'db.table(), db.column(), db.function(), db.schema() or db.sequence()', received);
}

export function asRole(received: unknown, matcher: string): RoleRef {
  if (received instanceof RoleRef) return received;
  return reject(matcher, 'db.role(name)', received);
}

export function roleArgument(value: unknown, matcher: string): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${matcher}() takes a role name such as 'authenticated', got ${describe(value)}`);
  return value;
}
