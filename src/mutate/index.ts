/**
 * `pg-rls-test/mutate`: mutation testing of Postgres access control. `mutate()` breaks each
 * policy and grant one at a time (the operators of types.ts), reruns the tests that touch it,
 * and reports the mutants no test noticed; the CLI (`pg-rls-test mutate`) prints the same.
 */
export { mutate } from './run.js';
export { toJson, mergeReports, countsOf, formatText, formatScore, scoreLine, type MutationReportJson } from './report.js';
export { toHtml } from './html.js';
export { OPERATORS } from './types.js';
export type { Operator, Mutant, MutantStatus, MutantWaiver, MutateOptions, MutationResult, Counts, ProgressEvent, TestInfo, SourceFile } from './types.js';
