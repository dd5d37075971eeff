/**
 * The matchers' types, shared by the Vitest and Jest augmentations. Every matcher is async:
 * `await expect(...).toX()`; an un-awaited call fails its test.
 */
import type { Requester } from '../src/internal.js';
import type { RlsEnabledOptions } from './to-have-rls-enabled.js';
import type { GrantOptions } from './to-grant.js';
import type { VisibleOnlyOptions } from './to-be-visible-only-to.js';
import type { WritableOnlyOptions } from './to-be-writable-only-by.js';
import type { SeeOnlyOptions } from './to-see-only.js';
import type { DataApiReadyOptions } from './to-be-data-api-ready.js';
import type { PolicyExpectation } from './to-have-policy.js';
import type { RowSet } from '../src/internal.js';

export type { RlsEnabledOptions, GrantOptions, VisibleOnlyOptions, WritableOnlyOptions, SeeOnlyOptions, DataApiReadyOptions, PolicyExpectation };
export type PolicyCommandName = 'select' | 'insert' | 'update' | 'delete' | 'all' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';

export interface PgRlsMatchers {
  /**
   * On `db.table(name)`: row level security is enabled (and forced with `{ forced: true }`).
   * On `db.schema(name)`: enabled on every table of the schema (partitions included); the message
   * names each table without it, with its fix.
   * @example await expect(db.table('posts')).toHaveRlsEnabled()
   * @example await expect(db.schema('public')).toHaveRlsEnabled()
   */
  toHaveRlsEnabled(options?: RlsEnabledOptions): Promise<void>;
  /**
   * On `db.table(name)`: some policy applies to the command (ALL counts) for the role (PUBLIC and memberships count).
   * @example await expect(db.table('posts')).toHavePolicyFor('select', 'authenticated')
   */
  toHavePolicyFor(command: PolicyCommandName, role: string): Promise<void>;
  /**
   * On `db.table(name)`: the table's policies are exactly these, by name (pgTAP's policies_are);
   * the message lists the missing and the extra ones. `[]`: no policy at all.
   * @example await expect(db.table('posts')).toHavePolicies(['Public read access', 'Users can insert their own posts'])
   */
  toHavePolicies(names: string[]): Promise<void>;
  /**
   * On `db.table(name)`: a policy of that name exists and, for each option given, is FOR that
   * command, TO exactly those roles ('public' for PUBLIC), permissive or restrictive as asked
   * (pgTAP's policy_cmd_is and policy_roles_are). The message shows the policy as defined and the fix.
   * @example await expect(db.table('posts')).toHavePolicy('Users can update their own posts', { command: 'update', roles: ['authenticated'] })
   */
  toHavePolicy(name: string, expected?: PolicyExpectation): Promise<void>;
  /**
   * On `db.table(name)`: the role can SELECT, INSERT, UPDATE, DELETE, with USAGE on the schema and on the sequences inserts need.
   * @example await expect(db.table('posts')).toGrantCrudTo('authenticated')
   */
  toGrantCrudTo(role: string): Promise<void>;
  /**
   * On a table, column, function, schema or sequence: the role holds these privileges (effective), or exactly these.
   * @example await expect(db.table('posts')).toGrant(['SELECT'], 'anonymous', { exactly: true })
   */
  toGrant(privileges: string | string[], role: string, options?: GrantOptions): Promise<void>;
  /**
   * On a user or a raw JWT: the Data API accepts the token, `sub` is a string, and auth.user_id() returns it.
   * @example await expect(db.user('alice')).toHaveValidSubClaim()
   */
  toHaveValidSubClaim(): Promise<void>;
  /**
   * On `db.rows(table, where)`: each requester's SELECT returns all the rows.
   * @example await expect(db.rows('posts', { is_published: true })).toBeVisibleTo([alice, bob])
   */
  toBeVisibleTo(requesters: Requester | Requester[]): Promise<void>;
  /**
   * On `db.rows(table, where)`: visible to these requesters and to no other user of the database nor anonymous (or `among`).
   * @example await expect(db.rows('posts', { user_id: alice.sub, is_published: false })).toBeVisibleOnlyTo(alice)
   */
  toBeVisibleOnlyTo(requesters: Requester | Requester[], options?: VisibleOnlyOptions): Promise<void>;
  /**
   * On `db.rows(table, where)`: UPDATE and DELETE by these requesters affect the rows, by anyone else none.
   * @example await expect(db.rows('posts', { user_id: alice.sub })).toBeWritableOnlyBy(alice)
   */
  toBeWritableOnlyBy(requesters: Requester | Requester[], options?: WritableOnlyOptions): Promise<void>;
  /**
   * On a pending `db.as(user).insert/update/delete/query(...)`: refused with 42501 or no row affected.
   * @example await expect(db.as(bob).insert('posts', { user_id: alice.sub, content: 'x' })).toBeDeniedByRls()
   */
  toBeDeniedByRls(): Promise<void>;
  /**
   * On `db.role(name)`: a member of the group, directly or inherited.
   * @example await expect(db.role('authenticated')).not.toBeMemberOf('app_owner')
   */
  toBeMemberOf(group: string): Promise<void>;
  /**
   * On `db.as(requester)`: within the scope, its SELECT returns exactly these rows (one round trip).
   * @example await expect(db.as(alice)).toSeeOnly(db.rows('posts', { user_id: alice.sub, is_published: false }), { within: { is_published: false } })
   */
  toSeeOnly(rows: RowSet, options?: SeeOnlyOptions): Promise<void>;
  /**
   * On the test database: the schema audit (db.audit()) finds no error-level problem; waivers with `ignore`.
   * @example await expect(db).toBeDataApiReady({ ignore: [{ check: 'rls_enabled_no_policy', object: 'public.audit_log' }] })
   */
  toBeDataApiReady(options?: DataApiReadyOptions): Promise<void>;
}
