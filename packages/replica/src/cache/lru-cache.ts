import type { ObjectBody } from './object-body.js';

/** A complete object kept by the replica. */
export interface CacheEntry {
  path: string;
  url: string;
  body: ObjectBody;
  size: number;
  /** What it counts against the capacity: its bytes and its bookkeeping (see entry-cost.ts). */
  cost: number;
  /** After an origin failure, the stale copy is served without asking again until then. */
  originRetryAt: number;
}

/**
 * Least-recently-used cache bounded by the total cost of its entries. A Map keeps insertion
 * order, so moving an entry to the end on every use makes the first key the eviction victim.
 */
export class LruCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** The most recently used key: a hit on it need not move it (hot objects repeat). */
  private newest: string | null = null;
  private bytes = 0;
  private costs = 0;

  constructor(
    readonly capacityBytes: number,
    private readonly onEvict: (entry: CacheEntry) => void = () => undefined,
  ) {}

  /** The objects' own bytes. */
  get totalBytes(): number {
    return this.bytes;
  }

  /** What the entries count against the capacity (never above it). */
  get totalCost(): number {
    return this.costs;
  }

  get count(): number {
    return this.entries.size;
  }

  /** The entry, marked as just used. */
  get(url: string): CacheEntry | undefined {
    const entry = this.entries.get(url);
    if (entry && url !== this.newest) {
      this.entries.delete(url);
      this.entries.set(url, entry);
      this.newest = url;
    }
    return entry;
  }

  fits(cost: number): boolean {
    return cost <= this.capacityBytes;
  }

  /** Stores an entry, evicting the least recently used ones to make room. False if too big. */
  set(entry: CacheEntry): boolean {
    if (!this.fits(entry.cost)) return false;
    this.delete(entry.url);
    while (this.costs + entry.cost > this.capacityBytes) {
      const oldest = this.entries.values().next().value;
      if (!oldest) break;
      this.delete(oldest.url);
      this.onEvict(oldest);
    }
    this.entries.set(entry.url, entry);
    this.newest = entry.url;
    this.bytes += entry.size;
    this.costs += entry.cost;
    return true;
  }

  delete(url: string): boolean {
    const entry = this.entries.get(url);
    if (!entry) return false;
    this.entries.delete(url);
    if (this.newest === url) this.newest = null;
    this.bytes -= entry.size;
    this.costs -= entry.cost;
    return true;
  }
}
