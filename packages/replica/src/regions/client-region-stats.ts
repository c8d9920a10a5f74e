import type { ClientRegionServed } from '@cdn-lab/protocol';

/** How many recent first-byte times each client region's median is taken over. */
export const TTFB_WINDOW = 256;

class RegionRow {
  requests = 0;
  private readonly samples = new Float64Array(TTFB_WINDOW);
  private count = 0;
  private next = 0;

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % TTFB_WINDOW;
    this.count = Math.min(this.count + 1, TTFB_WINDOW);
  }

  medianMs(): number {
    if (this.count === 0) return 0;
    const sorted = this.samples.slice(0, this.count).sort();
    const middle = this.count >> 1;
    const median =
      this.count % 2 === 1
        ? (sorted[middle] as number)
        : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    return Math.round(median * 100) / 100;
  }
}

/**
 * Per client region (where the coverage zone places a connection's address): requests since
 * the replica started, and the median time from a request's arrival to its answer's first byte
 * leaving the emulated link, over the last TTFB_WINDOW answers.
 */
export class ClientRegionStats {
  private readonly rows = new Map<string, RegionRow>();
  /** Told every first-byte time (the admin API's histogram), when set. */
  observer: ((region: string, ms: number) => void) | null = null;

  requested(region: string): void {
    this.row(region).requests += 1;
  }

  firstByte(region: string, ms: number): void {
    this.row(region).add(ms);
    this.observer?.(region, ms);
  }

  report(): ClientRegionServed[] {
    return [...this.rows].map(([region, row]) => ({
      region,
      requests: row.requests,
      ttfbMs: row.medianMs(),
    }));
  }

  private row(region: string): RegionRow {
    let row = this.rows.get(region);
    if (!row) {
      row = new RegionRow();
      this.rows.set(region, row);
    }
    return row;
  }
}
