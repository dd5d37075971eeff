/**
 * "This row belongs to the requester", as fix SQL writes it: `(SELECT auth.user_id()) = "user_id"`.
 * One helper for the matchers' messages and the audit's findings, so both print the same
 * condition. The parser must be loaded (loadParser()).
 */
import { ident } from './index.js';
import { calledFunctions, parseExpression } from './parse.js';

/** A column as the catalog describes it: enough to tell whether it records the row's owner. */
export interface ColumnShape {
  name: string;
  /** format_type(): 'uuid', 'text', ... */
  type: string;
  /** the default expression, as pg_get_expr() prints it */
  default: string | null;
}

/** Identity functions and the type they return (pg_session_jwt and the Neon stub; Supabase has auth.uid()). */
const IDENTITY_TYPES: Record<string, 'text' | 'uuid'> = { 'auth.user_id()': 'text', 'auth.uid()': 'uuid' };

const OWNER_NAMES = new Set(['user_id', 'owner_id', 'owner', 'author_id', 'created_by']);

/** The identity function a column default calls (`auth.user_id()` in `DEFAULT auth.user_id()`), if any. */
export function identityCallIn(text: string | null): string | undefined {
  if (!text) return undefined;
  let called: string[];
  try {
    called = calledFunctions(parseExpression(text));
  } catch {
    return undefined;
  }
  return called.map((f) => `${f}()`).find((f) => f in IDENTITY_TYPES);
}

/** The column that records a row's owner: the one given, else a default calling an identity function, else a usual name. */
export function ownerColumnOf(columns: ColumnShape[], column?: string): ColumnShape | undefined {
  if (column !== undefined) return columns.find((c) => c.name === column);
  return columns.find((c) => identityCallIn(c.default)) ?? columns.find((c) => OWNER_NAMES.has(c.name));
}

/**
 * The owner condition for a table, or undefined when no column looks like its owner. The
 * function is the one the column's default calls, else `identity` (the preset's: auth.user_id()
 * on Neon, auth.uid() on Supabase), else the one whose type fits the column; a text column
 * compared with a uuid function gets a cast, a uuid column gets auth.uid().
 */
export function ownerCondition(columns: ColumnShape[], options: { identity?: string | undefined; column?: string | undefined } = {}): string | undefined {
  const col = ownerColumnOf(columns, options.column);
  if (!col) return undefined;
  const isUuid = col.type === 'uuid';
  let fn = identityCallIn(col.default) ?? options.identity ?? (isUuid ? 'auth.uid()' : 'auth.user_id()');
  const returns = IDENTITY_TYPES[fn];
  if (isUuid && returns === 'text') fn = 'auth.uid()';
  const cast = !isUuid && returns === 'uuid' ? '::text' : '';
  return `(SELECT ${fn}${cast}) = ${ident(col.name)}`;
}
