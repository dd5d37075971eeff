/**
 * References that matchers take: they name a thing in one database and resolve lazily, so
 * an unknown name surfaces when the matcher runs (as its rejection), with close matches.
 */
import type { TableInfo } from './catalog/index.js';
import type { Where } from './sql/index.js';
import type { Engine } from './session/engine.js';
import { brand } from './brands.js';

/** Internal access for matchers: the engine behind a reference or database. */
export const ENGINE: unique symbol = Symbol.for('pg-rls-test.engine');

export class TableRef {
  static {
    brand(this, 'TableRef');
  }
  readonly kind = 'table' as const;
  readonly name: string;
  /** @internal */
  readonly [ENGINE]: Engine;
  constructor(engine: Engine, name: string) {
    if (typeof name !== 'string' || name === '') throw new TypeError('db.table() takes a table name such as "posts" or "schema.posts"');
    this.name = name;
    this[ENGINE] = engine;
  }
  /** The catalog facts; rejects with UnknownTableError. */
  info(): Promise<TableInfo> {
    return this[ENGINE].catalog.table(this.name);
  }
  toString(): string {
    return `table ${this.name}`;
  }
}

export interface RowsOptions {
  /** visibility of these columns only (column privileges count) */
  columns?: string[];
}

/** Rows of a table picked by column equality or an SQL predicate. */
export class RowSet {
  static {
    brand(this, 'RowSet');
  }
  readonly kind = 'rows' as const;
  readonly table: TableRef;
  readonly where: Where;
  readonly columns: string[] | undefined;
  constructor(table: TableRef, where: Where | undefined, options: RowsOptions = {}) {
    if (where !== undefined && typeof where !== 'string' && (typeof where !== 'object' || where === null || Array.isArray(where))) {
      throw new TypeError('db.rows() takes a where object ({ column: value }) or an SQL predicate string');
    }
    if (options.columns !== undefined && (!Array.isArray(options.columns) || options.columns.length === 0 || !options.columns.every((c) => typeof c === 'string'))) {
      throw new TypeError('"columns" option of db.rows() must be a non-empty list of column names');
    }
    this.table = table;
    this.where = where ?? {};
    this.columns = options.columns;
  }
  toString(): string {
    const w = typeof this.where === 'string' ? this.where : Object.entries(this.where).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(' and ');
    return `rows of ${this.table.name}${w ? ` where ${w}` : ''}`;
  }
}

/** A column, for column privileges: db.column('posts', 'email'). */
export class ColumnRef {
  static {
    brand(this, 'ColumnRef');
  }
  readonly kind = 'column' as const;
  readonly table: TableRef;
  readonly column: string;
  constructor(table: TableRef, column: string) {
    if (typeof column !== 'string' || column === '') throw new TypeError('db.column() takes a table and a column name');
    this.table = table;
    this.column = column;
  }
  toString(): string {
    return `column ${this.table.name}.${this.column}`;
  }
}

/** A function by signature ('public.get_order(bigint)'), a schema, or a sequence. */
export class ObjectRef<K extends 'function' | 'schema' | 'sequence'> {
  static {
    brand(this, 'ObjectRef');
  }
  readonly kind: K;
  readonly name: string;
  /** @internal */
  readonly [ENGINE]: Engine;
  constructor(engine: Engine, kind: K, name: string) {
    if (typeof name !== 'string' || name === '') throw new TypeError(`db.${kind}() takes a ${kind === 'function' ? "signature such as 'public.get_order(bigint)'" : 'name'}`);
    this.kind = kind;
    this.name = name;
    this[ENGINE] = engine;
  }
  toString(): string {
    return `${this.kind} ${this.name}`;
  }
}

export type FunctionRef = ObjectRef<'function'>;
export type SchemaRef = ObjectRef<'schema'>;
export type SequenceRef = ObjectRef<'sequence'>;

/** A role, for membership assertions: db.role('authenticated'). */
export class RoleRef {
  static {
    brand(this, 'RoleRef');
  }
  readonly kind = 'role' as const;
  readonly name: string;
  /** @internal */
  readonly [ENGINE]: Engine;
  constructor(engine: Engine, name: string) {
    if (typeof name !== 'string' || name === '') throw new TypeError('db.role() takes a role name');
    this.name = name;
    this[ENGINE] = engine;
  }
  toString(): string {
    return `role ${this.name}`;
  }
}
