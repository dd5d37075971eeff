// The public surface; the implementation lives in ./internal.js (one copy shared with the matcher entries).
export { createTestDatabase, prepareTestDatabase, TestDatabase } from './internal.js';
export type { TestDatabaseOptions, DataApiOptions, BackendName, CacheLimitsOption, TablesOptions } from './internal.js';
export { User, Anonymous, type Requester, type UserOptions } from './internal.js';
export { Session, PendingRequest, Transaction, OwnerSession, type RequestKind, type WriteOptions, type WriteResult, type WriteResultOf } from './internal.js';
export type { QueryResult, Outcome } from './internal.js';
export { TableRef, RowSet, ColumnRef, ObjectRef, RoleRef, type RowsOptions, type FunctionRef, type SchemaRef, type SequenceRef, type TableInfo } from './internal.js';
export type { Where, Returning } from './internal.js';
export type { Claims, Jwks, MintOptions, SigningAlg } from './tokens/index.js';
export {
  PgRlsTestError,
  BackendUnavailableError,
  RlsBypassError,
  UnknownTableError,
  UnknownColumnError,
  UnknownRoleError,
  UnknownObjectError,
  InvalidSubjectError,
  MigrationFailedError,
  SeedFailedError,
  SignUpFailedError,
  ResetUnsupportedError,
  DatabaseClosedError,
  RequestFailedError,
  JwksUnavailableError,
  RunnerNotFoundError,
  MatcherNotAwaitedError,
  StartUnfinishedError,
  MutantInvalidError,
  MutateFailedError,
  DataApiError,
  type PgRlsTestErrorCode,
  type AnyPgRlsTestError,
} from './internal.js';
export type { AuditOptions, AuditResult, Audited, Finding, FindingLocation, Waiver, Level, CheckInfo, ApiRoles } from './audit/types.js';
export type { AccessMatrix, AccessMatrixOptions, MatrixCell, MatrixTable, MatrixCount } from './audit/access-matrix.js';
export { formatAccessMatrix, formatText as formatAuditText, formatJson as formatAuditJson, formatSarif as formatAuditSarif } from './audit/format.js';
