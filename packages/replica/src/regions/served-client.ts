import { performance } from 'node:perf_hooks';
import type { OutboundLink } from '@cdn-lab/common';
import type { ClientRegionStats } from './client-region-stats.js';

/** A connection from a client the coverage zone places in a region, and the link it crosses. */
export class ServedClient {
  constructor(
    readonly region: string,
    readonly link: OutboundLink,
    private readonly stats: ClientRegionStats,
  ) {}

  /** A request arrived on this connection. */
  requested(): void {
    this.stats.requested(this.region);
  }

  /**
   * The answer to a request that arrived at `arrivedAt` (performance.now()) is about to be
   * written: its first byte is the next one the socket gets, and its time is taken when that
   * byte leaves the link.
   */
  answerStarts(arrivedAt: number): void {
    this.link.whenReleased(this.link.written, () =>
      this.stats.firstByte(this.region, performance.now() - arrivedAt),
    );
  }
}
