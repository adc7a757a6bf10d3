/** Edit distance (insert, delete, substitute one character). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

/**
 * The candidate a typo most likely meant: same letters in another case (`DbID` → `DbId`), or a
 * few edits away for its length (`opp` → `op`); undefined when nothing is that close.
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const low = name.toLowerCase();
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === low ? 0 : editDistance(low, candidate.toLowerCase());
    if (d <= Math.max(1, Math.floor(name.length / 3)) && (!best || d < best.d)) best = { candidate, d };
  }
  return best?.candidate;
}
