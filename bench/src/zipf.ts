/** Deterministic pseudo-random numbers (mulberry32), so every strategy sees the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` draws of ranks 0..n-1 with P(rank k) ∝ 1 / (k + 1)^s. */
export function zipfSequence(n: number, s: number, count: number, random: () => number): number[] {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 0; rank < n; rank += 1) {
    total += 1 / (rank + 1) ** s;
    cumulative.push(total);
  }
  const draws: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    draws.push(low);
  }
  return draws;
}
