import type { LinkSpec } from '../topology/topology.js';

/** TCP's payload per segment on a 1500-byte Ethernet path (what loss is counted in). */
export const SEGMENT_BYTES = 1448;
/** Linux's smallest retransmission timeout, added to the smoothed round trip. */
export const MIN_RTO_MS = 200;

/** A number in [0, 1): Math.random, or a fixed sequence in tests. */
export type RandomSource = () => number;

/** The stall one lost segment costs on a link: Linux's minimum RTO on top of the round trip. */
export function retransmissionTimeoutMs(link: LinkSpec): number {
  return MIN_RTO_MS + 2 * link.delayMs;
}

/**
 * When each chunk written into one direction of a link comes out of it. A chunk occupies the
 * link n / bytesPerSecond after the one before it has left (pacing), then travels the one-way
 * delay plus up to `jitterMs` more; it never comes out before the chunk written ahead of it
 * (byte order), and a chunk with a lost segment comes out one retransmission timeout late,
 * holding back every chunk behind it as TCP's in-order delivery does. Pure: the clock is the
 * caller's, the randomness injectable.
 */
export interface LinkScheduleOptions {
  random?: RandomSource;
  /**
   * The chunks carry a whole round trip: both one-way delays and both jitters (a request's
   * way in, added to its answer's way out). Bandwidth and loss stay the one direction's.
   */
  roundTrip?: boolean;
}

export class LinkSchedule {
  private linkFreeAt = Number.NEGATIVE_INFINITY;
  private lastRelease = Number.NEGATIVE_INFINITY;
  private readonly msPerByte: number;
  private readonly rtoMs: number;
  /** P(a segment arrives); a chunk of n segments arrives whole with keep^n. */
  private readonly keep: number;
  private readonly delayMs: number;
  private readonly jitterMs: number;
  private readonly random: RandomSource;

  constructor(
    readonly link: LinkSpec,
    options: LinkScheduleOptions = {},
  ) {
    const ways = options.roundTrip ? 2 : 1;
    this.delayMs = ways * link.delayMs;
    this.jitterMs = ways * link.jitterMs;
    this.random = options.random ?? Math.random;
    this.msPerByte = link.bytesPerSecond === null ? 0 : 1000 / link.bytesPerSecond;
    this.rtoMs = retransmissionTimeoutMs(link);
    this.keep = 1 - link.loss;
  }

  /** The time (same clock as `now`, ms) at which a chunk of `bytes` written at `now` arrives. */
  releaseAt(bytes: number, now: number): number {
    const sent = Math.max(now, this.linkFreeAt) + bytes * this.msPerByte;
    this.linkFreeAt = sent;
    let arrives = sent + this.delayMs;
    if (this.jitterMs > 0) arrives += this.random() * this.jitterMs;
    if (this.link.loss > 0 && this.lost(bytes)) arrives += this.rtoMs;
    this.lastRelease = Math.max(arrives, this.lastRelease);
    return this.lastRelease;
  }

  private lost(bytes: number): boolean {
    const segments = Math.max(1, Math.ceil(bytes / SEGMENT_BYTES));
    return this.random() < 1 - this.keep ** segments;
  }
}
