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

/** murmur3's finaliser: every input bit flips about half the output bits. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A uniform number in [0, 1) that depends only on its three inputs: the draw at any index of a
 * seeded sequence, without drawing the ones before it.
 */
export function hashedUniform(seed: number, index: number, salt: number): number {
  const high = Math.floor(index / 4294967296);
  const h = mix32(seed ^ mix32(salt ^ mix32(index ^ mix32(high + 0x9e3779b9))));
  return h / 4294967296;
}

/** P(rank k) ∝ 1 / (k + 1)^s for ranks 0..n-1, not normalised. */
export function zipfWeights(n: number, s: number): number[] {
  return Array.from({ length: n }, (_, rank) => 1 / (rank + 1) ** s);
}

/** `count` draws of ranks 0..n-1 with P(rank k) ∝ 1 / (k + 1)^s. */
export function zipfSequence(n: number, s: number, count: number, random: () => number): number[] {
  const cumulative: number[] = [];
  let total = 0;
  for (const weight of zipfWeights(n, s)) {
    total += weight;
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
