/**
 * Failure messages, one shape for every matcher:
 *
 *   expect(table).toHaveRlsEnabled()
 *
 *   Expected: row level security enabled on public.posts
 *   Received: disabled
 *
 *   Why:
 *     ...
 *
 *   Fix:
 *     ALTER TABLE public.posts ENABLE ROW LEVEL SECURITY;
 *
 * The hint line comes from the runner (it prints `.not` and `resolves` itself); Expected and
 * Received are our sentences, not printed values.
 */
import type { MatcherContext } from './_context.js';

export interface FailureParts {
  expected: string;
  received: string;
  why?: string[] | undefined;
  fix?: string | string[] | undefined;
}

export function failure(ctx: MatcherContext, matcher: string, label: string, args: string, parts: FailureParts): string {
  const lines = [ctx.utils.matcherHint(matcher, label, args, { isNot: ctx.isNot, promise: ctx.promise ?? '' }), '', `Expected: ${parts.expected}`, `Received: ${parts.received}`];
  if (parts.why?.length) lines.push('', 'Why:', ...parts.why.map((w) => `  ${w}`));
  const fix = parts.fix === undefined ? [] : Array.isArray(parts.fix) ? parts.fix : [parts.fix];
  if (fix.length) lines.push('', 'Fix:', ...fix.flatMap((f) => f.split('\n')).map((f) => `  ${f}`));
  return lines.join('\n');
}

/** "1 row" / "3 rows" */
export function rows(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

/** a, b and c */
export function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** id=2, id=5 */
export function keys(rowsByKey: Record<string, unknown>[]): string {
  return rowsByKey.map((r) => Object.entries(r).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`).join(' ')).join(', ');
}
