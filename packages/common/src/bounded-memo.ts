/**
 * Values computed from their keys and kept, for keys that repeat on a hot path (a path asked
 * for again, the same few replica ids): at most `limit` are kept, then the memory starts over.
 * A computation that throws keeps nothing.
 */
export class BoundedMemo<K, V> {
  private readonly values = new Map<K, V>();

  constructor(
    private readonly limit: number,
    private readonly compute: (key: K) => V,
  ) {}

  get(key: K): V {
    let value = this.values.get(key);
    if (value === undefined) {
      value = this.compute(key);
      if (this.values.size >= this.limit) this.values.clear();
      this.values.set(key, value);
    }
    return value;
  }
}
