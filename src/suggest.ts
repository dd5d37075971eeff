/** Close names for "did you mean" hints: edit distance, then substring, at most three. */
export function closeMatches(name: string, candidates: Iterable<string>, max = 3): string[] {
  const target = name.toLowerCase();
  const scored: [number, string][] = [];
  for (const c of new Set(candidates)) {
    const lc = c.toLowerCase();
    const bare = lc.includes('.') ? lc.slice(lc.indexOf('.') + 1) : lc;
    const d = Math.min(distance(target, lc), distance(target, bare));
    const limit = Math.max(2, Math.floor(target.length / 3));
    if (d <= limit || lc.includes(target) || (target.length >= 3 && target.includes(bare))) scored.push([d, c]);
  }
  return scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).slice(0, max).map(([, c]) => c);
}

function distance(a: string, b: string): number {
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
