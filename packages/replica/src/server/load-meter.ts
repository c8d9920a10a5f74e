import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

const BUCKET_MS = 100;
const BUCKETS = 10;
const LAG_WINDOW_MS = 1000;
const LAG_RESOLUTION_MS = 10;
/** Weight of a new response-time sample. */
const RESPONSE_ALPHA = 0.2;
/** An idle replica's response time fades with this time constant, so it gets traffic again. */
const RESPONSE_FADE_MS = 2000;

/**
 * Throughput over the last second (ten 100 ms buckets, so the window slides smoothly) and the
 * event loop's recent delay, for the load report in every pong.
 */
export class LoadMeter {
  private readonly bucketStart = new Array<number>(BUCKETS).fill(-1);
  private readonly bucketBytes = new Array<number>(BUCKETS).fill(0);
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({
    resolution: LAG_RESOLUTION_MS,
  });
  private readonly lagTimer: NodeJS.Timeout;
  private lagMs = 0;
  /** Every byte recorded since start. */
  totalBytes = 0;
  private responseEwmaMs = 0;
  private lastResponseAt: number | null = null;

  constructor() {
    this.histogram.enable();
    this.lagTimer = setInterval(() => this.sampleLag(), LAG_WINDOW_MS);
    this.lagTimer.unref();
  }

  recordBytes(bytes: number, now = Date.now()): void {
    this.totalBytes += bytes;
    const slot = Math.floor(now / BUCKET_MS);
    const index = slot % BUCKETS;
    if (this.bucketStart[index] !== slot) {
      this.bucketStart[index] = slot;
      this.bucketBytes[index] = 0;
    }
    this.bucketBytes[index] = (this.bucketBytes[index] ?? 0) + bytes;
  }

  /** Time from a request to its first byte, including any wait before it was served. */
  recordResponse(ms: number, now = Date.now()): void {
    const current = this.responseMs(now);
    this.responseEwmaMs =
      this.lastResponseAt === null ? ms : current + RESPONSE_ALPHA * (ms - current);
    this.lastResponseAt = now;
  }

  /** The smoothed response time, fading towards 0 while no request comes. */
  responseMs(now = Date.now()): number {
    if (this.lastResponseAt === null) return 0;
    const idle = Math.max(0, now - this.lastResponseAt);
    return Math.round(this.responseEwmaMs * Math.exp(-idle / RESPONSE_FADE_MS) * 1000) / 1000;
  }

  bytesPerSecond(now = Date.now()): number {
    const current = Math.floor(now / BUCKET_MS);
    let total = 0;
    for (let index = 0; index < BUCKETS; index += 1) {
      const slot = this.bucketStart[index] ?? -1;
      if (slot > current - BUCKETS && slot <= current) total += this.bucketBytes[index] ?? 0;
    }
    return total;
  }

  /** Mean event-loop delay over the last second (ms), or the current window's before the first. */
  eventLoopLagMs(): number {
    const current = this.windowLagMs();
    return Math.round(Math.max(this.lagMs, current) * 100) / 100;
  }

  stop(): void {
    clearInterval(this.lagTimer);
    this.histogram.disable();
  }

  /** The histogram holds whole timer intervals; the lag is what exceeds the resolution. */
  private windowLagMs(): number {
    if (this.histogram.count === 0) return 0;
    return Math.max(0, this.histogram.mean / 1e6 - LAG_RESOLUTION_MS);
  }

  private sampleLag(): void {
    this.lagMs = this.windowLagMs();
    this.histogram.reset();
  }
}
