/**
 * Reading policy expressions as Postgres deparses them (pg_get_expr with an empty search_path:
 * `(( SELECT auth.user_id() AS user_id) = user_id)`). A small scanner that knows string
 * literals, quoted identifiers and parentheses is enough for the questions the checks ask;
 * plain regular expressions over the text were the source of splinter's false positives
 * (a wrapped `( SELECT (auth.uid() = user_id))` still matched its "not wrapped" pattern).
 */

/** Functions whose value depends on the request only: wrapped in (SELECT ...) they run once per statement. */
const AUTH_CALL = /^(auth\.(user_id|uid|jwt|session|role|email|organization_id|organization)\(\)|current_setting\()/i;

interface Group {
  /** index of the opening parenthesis */
  open: number;
  /** whether the group is a sub-select: `( SELECT ...` */
  select: boolean;
}

interface Scan {
  /** top-level-relative depth and enclosing groups at each call found */
  calls: { start: number; end: number; text: string; insideSelect: boolean }[];
}

/** Index just past a string literal or quoted identifier that starts at i. */
function skipQuoted(expr: string, i: number): number {
  const q = expr[i]!;
  let j = i + 1;
  while (j < expr.length) {
    if (expr[j] === q) {
      if (expr[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return j;
}

/** Index of the parenthesis closing the one at `open`. */
function closing(expr: string, open: number): number {
  let depth = 0;
  for (let i = open; i < expr.length; i++) {
    const ch = expr[i]!;
    if (ch === "'" || ch === '"') {
      i = skipQuoted(expr, i) - 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return expr.length - 1;
}

function scan(expr: string): Scan {
  const stack: Group[] = [];
  const calls: Scan['calls'] = [];
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i]!;
    if (ch === "'" || ch === '"') {
      i = skipQuoted(expr, i) - 1;
      continue;
    }
    if (ch === '(') {
      stack.push({ open: i, select: /^\(\s*select\b/i.test(expr.slice(i, i + 12)) });
      continue;
    }
    if (ch === ')') {
      stack.pop();
      continue;
    }
    const prev = i === 0 ? ' ' : expr[i - 1]!;
    if (/[A-Za-z_.$0-9]/.test(prev)) continue;
    const m = AUTH_CALL.exec(expr.slice(i, i + 40));
    if (m) {
      const end = m[0].endsWith('()') ? i + m[0].length : closing(expr, i + m[0].length - 1) + 1;
      calls.push({ start: i, end, text: expr.slice(i, end), insideSelect: stack.some((g) => g.select) });
      i = end - 1;
    }
  }
  return { calls };
}

/** Calls of auth.*() / current_setting() that are evaluated per row (not inside a sub-select). */
export function bareAuthCalls(expr: string | null): string[] {
  if (!expr) return [];
  return scan(expr).calls.filter((c) => !c.insideSelect).map((c) => c.text);
}

/** The expression with every per-row auth call wrapped as `(SELECT <call>)`. */
export function wrapAuthCalls(expr: string): string {
  const calls = scan(expr).calls.filter((c) => !c.insideSelect);
  let out = expr;
  for (const c of [...calls].reverse()) out = `${out.slice(0, c.start)}(SELECT ${c.text})${out.slice(c.end)}`;
  return out;
}

/** Without the parentheses that enclose the whole expression. */
export function stripOuter(expr: string): string {
  let e = expr.trim();
  while (e.startsWith('(') && closing(e, 0) === e.length - 1) e = e.slice(1, -1).trim();
  return e;
}

/** `true`, `(true)`, `1 = 1`: a condition that admits every row. */
export function isAlwaysTrue(expr: string | null): boolean {
  if (expr === null) return false;
  const e = stripOuter(expr).replace(/\s+/g, '').toLowerCase();
  return e === 'true' || e === '1=1' || e === "'t'::boolean";
}

export function isAlwaysFalse(expr: string | null): boolean {
  if (expr === null) return false;
  const e = stripOuter(expr).replace(/\s+/g, '').toLowerCase();
  return e === 'false' || e === '1=0' || e === "'f'::boolean";
}

/** Splits at the operators of the outermost level: `a OR (b AND c)` -> ['a', '(b AND c)']. */
export function topLevelSplit(expr: string, op: 'OR' | 'AND'): string[] {
  const e = stripOuter(expr);
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  const re = new RegExp(`^\\s${op}\\s`);
  for (let i = 0; i < e.length; i++) {
    const ch = e[i]!;
    if (ch === "'" || ch === '"') {
      i = skipQuoted(e, i) - 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && re.test(e.slice(i, i + op.length + 2))) {
      parts.push(e.slice(last, i).trim());
      last = i + op.length + 2;
      i = last - 1;
    }
  }
  parts.push(e.slice(last).trim());
  return parts;
}

/**
 * Top-level disjuncts that are true when there is no identity (`auth.user_id() IS NULL`,
 * `NOT (auth.uid() IS NOT NULL)`, wrapped or not), each with the call it tests.
 */
export function nullIdentityDisjuncts(expr: string | null): { part: string; call: string }[] {
  if (!expr) return [];
  const parts = topLevelSplit(expr, 'OR');
  if (parts.length < 2) return [];
  const out: { part: string; call: string }[] = [];
  for (const part of parts) {
    // `( SELECT auth.user_id() AS user_id) IS NULL` -> `auth.user_id() IS NULL`
    const s = stripOuter(part).replace(/\(\s*select\s+([^()]*\(\))(\s+AS\s+\w+)?\s*\)/gi, '$1').replace(/\s+/g, ' ');
    const m =
      /^(auth\.(?:user_id|uid|jwt|session|role|email)\(\)) IS NULL$/i.exec(stripOuter(s)) ??
      /^NOT \(*(auth\.(?:user_id|uid|jwt|session|role|email)\(\)) IS NOT NULL\)*$/i.exec(stripOuter(s));
    if (m) out.push({ part, call: m[1]! });
  }
  return out;
}

/** Whether the expression depends on who asks: an auth.*() call, current_user, or the JWT claims. */
export function referencesRequester(expr: string | null): boolean {
  if (!expr) return false;
  return /\bauth\.(user_id|uid|jwt|session|role|email|organization_id|organization)\(\)|\bcurrent_user\b|\bsession_user\b|request\.jwt/i.test(expr);
}

/** Claims the user can edit themselves (Supabase's user_metadata). */
export function usesUserMetadata(expr: string | null): boolean {
  return !!expr && /user_metadata/i.test(expr);
}

/** Request headers and cookies: set by whoever sends the request. */
export function usesRequestHeaders(expr: string | null): boolean {
  return !!expr && /request\.(headers?|cookies?)\b/i.test(expr);
}

const TENANT = /\b(tenant|org|organization|organisation|team|workspace|account|company)_id\b|\bauth\.organization(_id)?\(\)/i;

/** Whether the expression checks a tenant (organization, team, workspace ...). */
export function referencesTenant(expr: string | null): boolean {
  return !!expr && TENANT.test(expr);
}

/** SECURITY DEFINER function bodies that look at who calls them. */
export function bodyChecksCaller(body: string): boolean {
  return /\bauth\.(user_id|uid|jwt|session|role|email|organization_id)\s*\(|\bcurrent_user\b|\bsession_user\b|request\.jwt|current_role\b/i.test(body);
}
