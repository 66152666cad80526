/**
 * "Did you mean": the closest known name to a mistyped command or option. Written here rather
 * than taken from a package because it is a dozen lines: the Levenshtein distance (insertions,
 * deletions and substitutions each cost 1) with swapped neighbours costing 1 too (the optimal
 * string alignment variant, so `sgin` is one edit from `sign`), and a threshold so that only
 * near misses are offered.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const above = rows[i - 1] as number[];
      let best = Math.min((above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1), (above[j] as number) + 1, (row[j - 1] as number) + 1);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * The candidate nearest to `input`, when it is near enough: at most 1 edit for names of up to
 * 4 characters, 2 for longer ones; on a tie the earlier candidate wins. Failing that, the one
 * candidate that starts with `input` (3 characters or more: `--integrity` for
 * `--integrity-only`). Undefined otherwise.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > 64) return undefined; // a hostile or pasted argument: not worth the work
  const limit = input.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(input.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  if (best !== undefined) return best.name;
  const extending = input.length >= 3 ? candidates.filter((name) => name.toLowerCase().startsWith(input.toLowerCase())) : [];
  return extending.length === 1 ? extending[0] : undefined;
}
