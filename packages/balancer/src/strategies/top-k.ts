/**
 * The first `count` of 0 … size-1 in the order `compare` gives, ties by index: exactly the
 * prefix a stable sort would give. A route uses only the best few replicas of an order, so at
 * a thousand replicas one pass keeping the best `count` (about size comparisons) replaces a
 * sort (about size × log2(size)); asked for all of them, it is the sort.
 */
export function firstIndices(
  size: number,
  count: number,
  compare: (a: number, b: number) => number,
): number[] {
  if (count <= 0 || size === 0) return [];
  if (count >= size) {
    return Array.from({ length: size }, (_, index) => index).sort((a, b) => compare(a, b) || a - b);
  }
  const best: number[] = [];
  for (let index = 0; index < size; index += 1) {
    if (best.length === count && compare(index, best[count - 1] as number) >= 0) continue;
    // After every kept one it does not beat: a later index never passes an equal earlier one.
    let at = best.length;
    while (at > 0 && compare(index, best[at - 1] as number) < 0) at -= 1;
    best.splice(at, 0, index);
    if (best.length > count) best.pop();
  }
  return best;
}

/** The first `count` items (all when absent) of a stable sort of `items` by `compare`. */
export function firstInOrder<T>(
  items: readonly T[],
  count: number | undefined,
  compare: (a: T, b: T) => number,
): T[] {
  return firstIndices(items.length, count ?? items.length, (a, b) =>
    compare(items[a] as T, items[b] as T),
  ).map((index) => items[index] as T);
}

/**
 * The best `count` positions by (tier ascending, weight descending, id ascending): rendezvous
 * order split into spill tiers, which consistent and nearest both use. Offered one by one in a
 * single pass, each usually rejected by two comparisons; with no count it keeps all and sorts.
 */
export class TopRanked {
  private readonly kept: { position: number; tier: number; weight: number; id: string }[] = [];

  constructor(private readonly count: number | undefined) {}

  offer(position: number, tier: number, weight: number, id: string): void {
    const kept = this.kept;
    const full = this.count !== undefined && kept.length >= this.count;
    if (full) {
      if (this.count === 0) return;
      const last = kept[kept.length - 1] as TopRanked['kept'][number];
      if (tier > last.tier || (tier === last.tier && weight < last.weight)) return;
    }
    const entry = { position, tier, weight, id };
    if (this.count === undefined) {
      kept.push(entry);
      return;
    }
    let at = kept.length;
    while (at > 0 && ranksBefore(entry, kept[at - 1] as typeof entry)) at -= 1;
    kept.splice(at, 0, entry);
    if (kept.length > this.count) kept.pop();
  }

  /** The kept positions, best first. */
  positions(): number[] {
    if (this.count === undefined) {
      this.kept.sort((a, b) => (ranksBefore(a, b) ? -1 : ranksBefore(b, a) ? 1 : 0));
    }
    return this.kept.map((entry) => entry.position);
  }
}

function ranksBefore(
  a: { tier: number; weight: number; id: string },
  b: { tier: number; weight: number; id: string },
): boolean {
  return a.tier !== b.tier
    ? a.tier < b.tier
    : a.weight !== b.weight
      ? a.weight > b.weight
      : a.id < b.id;
}
