/**
 * Close names for "did you mean" hints, at most `max`: by edit distance (of the whole name, and of
 * the name without its schema, so "public.user_id" finds "auth.user_id"), then by substring.
 */
export function closeMatches(name: string, candidates: Iterable<string>, max = 3): string[] {
  const target = name.toLowerCase();
  const bareTarget = unqualified(target);
  const limit = (s: string) => Math.max(2, Math.floor(s.length / 3));
  const scored: [number, string][] = [];
  for (const c of new Set(candidates)) {
    const lc = c.toLowerCase();
    const bare = unqualified(lc);
    const whole = Math.min(distance(target, lc), distance(target, bare));
    const parts = distance(bareTarget, bare);
    if (whole <= limit(target) || parts <= limit(bareTarget) || lc.includes(target) || (target.length >= 3 && target.includes(bare))) {
      scored.push([Math.min(whole, parts), c]);
    }
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).slice(0, max).map(([, c]) => c);
}

const unqualified = (name: string) => (name.includes('.') ? name.slice(name.indexOf('.') + 1) : name);

/** Levenshtein edit distance. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
