/**
 * Walker's alias method (Vose's construction): after O(n) setup, a draw from any discrete
 * distribution is O(1) — one column, then the column's own index or its alias.
 */
export class AliasTable {
  private readonly keep: Float64Array;
  private readonly alias: Uint32Array;

  constructor(weights: readonly number[]) {
    const n = weights.length;
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    this.keep = new Float64Array(n);
    this.alias = new Uint32Array(n);
    const scaled = weights.map((weight) => (weight * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((value, index) => (value < 1 ? small : large).push(index));
    while (small.length > 0 && large.length > 0) {
      const less = small.pop() as number;
      const more = large.pop() as number;
      this.keep[less] = scaled[less] as number;
      this.alias[less] = more;
      scaled[more] = (scaled[more] as number) + (scaled[less] as number) - 1;
      (scaled[more] < 1 ? small : large).push(more);
    }
    // What is left is 1 up to rounding.
    for (const index of [...small, ...large]) this.keep[index] = 1;
  }

  /** The index drawn by two uniforms in [0, 1). */
  draw(column: number, coin: number): number {
    const index = Math.min(Math.floor(column * this.keep.length), this.keep.length - 1);
    return coin < (this.keep[index] as number) ? index : (this.alias[index] as number);
  }
}
