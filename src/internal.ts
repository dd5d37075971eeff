/**
 * Everything the matchers use from the engine, as one module. The build keeps it a separate file
 * that every entry (index, vitest, jest, matchers) loads, so a process has one copy of each class
 * and `instanceof` holds between `require('pg-rls-test')` and `require('pg-rls-test/jest')`.
 */
export * from './errors.js';
export * from './refs.js';
export * from './database.js';
export * from './options.js';
export * from './sql/index.js';
export * from './catalog/index.js';
export * from './catalog/privileges.js';
export * from './session/requesters.js';
export * from './session/identity.js';
export * from './session/engine.js';
export * from './session/session.js';
export * from './session/access.js';
export * from './sql/owner.js';
export { loadParser } from './sql/parse.js';
export { subjectFor } from './tokens/subject.js';
export { distance as editDistance } from './suggest.js';
export type { TableInfo } from './catalog/tables.js';
