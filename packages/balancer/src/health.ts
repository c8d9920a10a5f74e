import type { LoadReport } from '@cdn-lab/protocol';
import { BALANCER_DEFAULTS } from './options.js';
import type { ReplicaState } from './strategies/types.js';

export interface HealthThresholds {
  /** Probes answered in a row that take a down replica up. */
  rise: number;
  /** Probes failed in a row that take an up (or draining) replica down. */
  fall: number;
  /**
   * Passive check: a replica whose recent transfers failed at this ratio or more (0 to 1) is
   * taken down although it answers probes. 0 turns the check off. Default in BALANCER_DEFAULTS.
   */
  failureRatio?: number;
  /** …and only once at least this many of them failed. Default in BALANCER_DEFAULTS. */
  failureMin?: number;
}

/** Reports over which the passive check adds up transfer outcomes (2 s at the default probe interval). */
export const PASSIVE_WINDOW = 8;

interface TransferCounts {
  ok: number;
  failed: number;
}

export interface StateChange {
  from: ReplicaState;
  to: ReplicaState;
  reason: string;
}

const RTT_ALPHA = 0.3;
/** Bounds of the time a route is assumed to stay in flight (see recentRoutes). */
const MIN_ROUTE_LIFE_MS = 1;
const MAX_ROUTE_LIFE_MS = 1000;
/** Time constant of the peak-EWMA decay towards lower samples. */
const PEAK_DECAY_MS = 10_000;
export const LOSS_WINDOW = 20;
/** Math.exp(-x) is exactly 0 for every x above this. */
const EXP_UNDERFLOW = 746;

/**
 * One replica's health from its probe results: the up/down state machine with rise/fall
 * thresholds, smoothed latency, recent loss and the last load report. No timers, no sockets:
 * the caller passes the time of each result.
 */
export class ReplicaHealth {
  state: ReplicaState = 'unknown';
  rttEwmaMs = 0;
  peakEwmaMs = 0;
  load: LoadReport | null = null;
  /** Routes sent here since the last load report, so the estimate is not blind between probes. */
  routedSinceReport = 0;
  private recentRouteSum = 0;
  private recentRouteAt = 0;
  private lastSampleAt: number | null = null;
  private readonly outcomes: boolean[] = [];
  /** The false ones among `outcomes`, so the loss a strategy reads costs no count. */
  private failedOutcomes = 0;
  private successesInRow = 0;
  private failuresInRow = 0;
  /** Transfer outcomes reported between consecutive pongs, newest last. */
  private readonly transferWindow: TransferCounts[] = [];
  private lastCounts: TransferCounts | null = null;

  constructor(private readonly thresholds: HealthThresholds) {}

  get lossPercent(): number {
    if (this.outcomes.length === 0) return 0;
    return (this.failedOutcomes * 100) / this.outcomes.length;
  }

  /** Transfers the replica reported over the last PASSIVE_WINDOW reports. */
  get recentTransfers(): TransferCounts {
    let ok = 0;
    let failed = 0;
    for (const counts of this.transferWindow) {
      ok += counts.ok;
      failed += counts.failed;
    }
    return { ok, failed };
  }

  /** Why the replica counts as failing its transfers, or null. */
  get failing(): string | null {
    const ratio = this.thresholds.failureRatio ?? BALANCER_DEFAULTS.failureRatio;
    const min = this.thresholds.failureMin ?? BALANCER_DEFAULTS.failureMin;
    if (ratio <= 0) return null;
    const { ok, failed } = this.recentTransfers;
    if (failed < min || failed / (ok + failed) < ratio) return null;
    return `${failed} of its last ${ok + failed} transfers failed`;
  }

  get inflight(): number {
    return (this.load?.activeTransfers ?? 0) + this.routedSinceReport;
  }

  /** Counts a route sent here (time in ms, e.g. performance.now()). */
  noteRoute(now: number): void {
    this.recentRouteSum = this.recentRoutes(now) + 1;
    this.recentRouteAt = now;
  }

  /**
   * Routes sent here that are probably still in flight: each counts 1 at first and fades with
   * the time constant of the replica's latency (probe + reported response time). By Little's
   * law this tends to rate × latency, where routedSinceReport only grows until the next probe
   * answer; at thousands of routes a second that difference decides who gets the next one.
   */
  recentRoutes(now: number): number {
    if (this.recentRouteSum === 0) return 0;
    const life = Math.min(
      MAX_ROUTE_LIFE_MS,
      Math.max(MIN_ROUTE_LIFE_MS, this.peakEwmaMs + (this.load?.responseMs ?? 0)),
    );
    const age = Math.max(0, now - this.recentRouteAt) / life;
    // exp(-745) and below is 0 in a double: the same answer without the exp, for replicas
    // not routed to lately (most of them, at a thousand).
    if (age > EXP_UNDERFLOW) return 0;
    return this.recentRouteSum * Math.exp(-age);
  }

  recordSuccess(rttMs: number, load: LoadReport, now: number): StateChange | null {
    this.remember(true);
    this.successesInRow += 1;
    this.failuresInRow = 0;
    this.updateLatency(rttMs, now);
    this.load = load;
    this.routedSinceReport = 0;
    this.countTransfers(load);
    const failing = this.failing;
    // A failing replica's answered probes do not count towards rise until its window is clean.
    if (failing) this.successesInRow = 0;
    if (load.draining) return this.moveTo('draining', 'the replica reports it is draining');
    switch (this.state) {
      case 'unknown':
        return failing
          ? this.moveTo('down', failing)
          : this.moveTo('up', 'answered its first probe');
      case 'draining':
        return this.moveTo('up', 'no longer draining');
      case 'down':
        return this.successesInRow >= this.thresholds.rise
          ? this.moveTo('up', `${this.successesInRow} probes answered in a row`)
          : null;
      case 'up':
        return failing ? this.moveTo('down', `failing transfers: ${failing}`) : null;
    }
  }

  private countTransfers(load: LoadReport): void {
    if (load.transfersOk === undefined || load.transfersFailed === undefined) return;
    const now = { ok: load.transfersOk, failed: load.transfersFailed };
    const last = this.lastCounts;
    this.lastCounts = now;
    // A restarted replica starts its counters at 0 again: count from there.
    const delta =
      last && now.ok >= last.ok && now.failed >= last.failed
        ? { ok: now.ok - last.ok, failed: now.failed - last.failed }
        : last
          ? now
          : { ok: 0, failed: 0 };
    this.transferWindow.push(delta);
    if (this.transferWindow.length > PASSIVE_WINDOW) this.transferWindow.shift();
  }

  recordFailure(reason: string): StateChange | null {
    this.remember(false);
    this.failuresInRow += 1;
    this.successesInRow = 0;
    switch (this.state) {
      case 'unknown':
        return this.moveTo('down', reason);
      case 'up':
      case 'draining':
        return this.failuresInRow >= this.thresholds.fall
          ? this.moveTo('down', `${this.failuresInRow} probes failed in a row; last: ${reason}`)
          : null;
      case 'down':
        return null;
    }
  }

  private moveTo(to: ReplicaState, reason: string): StateChange | null {
    const from = this.state;
    if (from === to) return null;
    this.state = to;
    return { from, to, reason };
  }

  private remember(ok: boolean): void {
    this.outcomes.push(ok);
    if (!ok) this.failedOutcomes += 1;
    if (this.outcomes.length > LOSS_WINDOW && this.outcomes.shift() === false) {
      this.failedOutcomes -= 1;
    }
  }

  private updateLatency(rttMs: number, now: number): void {
    if (this.lastSampleAt === null) {
      this.rttEwmaMs = rttMs;
      this.peakEwmaMs = rttMs;
    } else {
      this.rttEwmaMs += RTT_ALPHA * (rttMs - this.rttEwmaMs);
      if (rttMs > this.peakEwmaMs) {
        this.peakEwmaMs = rttMs;
      } else {
        const keep = Math.exp(-Math.max(0, now - this.lastSampleAt) / PEAK_DECAY_MS);
        this.peakEwmaMs = this.peakEwmaMs * keep + rttMs * (1 - keep);
      }
    }
    this.lastSampleAt = now;
  }
}
