export { createTestDatabase, TestDatabase } from './database.js';
export type { TestDatabaseOptions, DataApiOptions, BackendName } from './options.js';
export { User, Anonymous, type Requester, type UserOptions } from './session/requesters.js';
export { Session, PendingRequest, Transaction, OwnerSession, type RequestKind } from './session/session.js';
export type { QueryResult, Outcome } from './session/engine.js';
export { TableRef, RowSet, ColumnRef, ObjectRef, RoleRef, type RowsOptions, type FunctionRef, type SchemaRef, type SequenceRef } from './refs.js';
export type { Where } from './sql/index.js';
export type { Claims, Jwks, MintOptions, SigningAlg } from './tokens/index.js';
export * from './errors.js';
