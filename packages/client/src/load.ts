import { setTimeout as delay } from 'node:timers/promises';
import { openEventLog, type Logger } from '@cdn-lab/common';
import { download } from './download.js';
import { ClientError } from './errors.js';
import type { RegionBinding } from './region-binding.js';
import { BalancerSession, type BalancerAddress } from './route.js';
import { summarizeLatency, type LatencySummary } from './stats.js';

export interface LoadOptions {
  balancer: BalancerAddress;
  /** Fetched round-robin; null is the replicas' default object. */
  paths: (string | null)[];
  /** The path of request `index` (from 0) instead of `paths` round-robin (which may then be empty). */
  pathAt?: (index: number) => string | null;
  /**
   * Open loop: request i starts no earlier than i / ratePerSecond seconds after the start
   * (concurrency still caps the requests in flight). Without it each worker goes back to back.
   */
  ratePerSecond?: number;
  /** Stop after this many requests. Without it or durationMs, each path is fetched once. */
  requests?: number;
  /** Stop starting new requests after this long (requests in flight finish). */
  durationMs?: number;
  concurrency: number;
  timeoutMs?: number;
  maxRouteAttempts?: number;
  log?: Logger;
  onProgress?: (progress: LoadProgress) => void;
  /** Once aborted, no new request starts (those in flight finish). */
  signal?: AbortSignal | undefined;
  /** Place every worker in a region: its source addresses and its route hint. */
  region?: RegionBinding | undefined;
}

export interface LoadRequestOutcome {
  path: string | null;
  ok: boolean;
  latencyMs: number;
  /** Verified object bytes (0 for a failed request). */
  bytes: number;
  servedBy: string[];
  failovers: number;
  /** Per failover of a successful request, the failure code of the replica it left. */
  failoverCodes: string[];
  /** The error code of a failed request. */
  code: string | null;
}

export interface LoadProgress {
  done: number;
  ok: number;
  failed: number;
  last: LoadRequestOutcome;
}

export interface LoadReport {
  requests: number;
  ok: number;
  failed: number;
  errorsByCode: Record<string, number>;
  /** Over the successful requests. */
  latencyMs: LatencySummary;
  durationMs: number;
  requestsPerSecond: number;
  /** Verified object bytes of the successful requests. */
  bytes: number;
  bytesPerSecond: number;
  /** Successful requests by the replica that completed them. */
  perReplica: Record<string, number>;
  failovers: number;
  /** The failovers of the successful requests by the failure code of the replica left. */
  failoversByCode: Record<string, number>;
}

/** Collects request outcomes into a report. */
class Tally {
  readonly latencies: number[] = [];
  readonly errorsByCode: Record<string, number> = {};
  readonly perReplica: Record<string, number> = {};
  readonly failoversByCode: Record<string, number> = {};
  done = 0;
  ok = 0;
  failed = 0;
  bytes = 0;
  failovers = 0;

  add(outcome: LoadRequestOutcome): void {
    this.done += 1;
    if (outcome.ok) {
      this.ok += 1;
      this.latencies.push(outcome.latencyMs);
      this.bytes += outcome.bytes;
      this.failovers += outcome.failovers;
      for (const code of outcome.failoverCodes) {
        this.failoversByCode[code] = (this.failoversByCode[code] ?? 0) + 1;
      }
      const last = outcome.servedBy[outcome.servedBy.length - 1];
      if (last !== undefined) this.perReplica[last] = (this.perReplica[last] ?? 0) + 1;
    } else {
      this.failed += 1;
      const code = outcome.code ?? 'unknown';
      this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
    }
  }

  report(durationMs: number): LoadReport {
    const seconds = durationMs / 1000;
    return {
      requests: this.done,
      ok: this.ok,
      failed: this.failed,
      errorsByCode: this.errorsByCode,
      latencyMs: summarizeLatency(this.latencies),
      durationMs,
      requestsPerSecond: seconds > 0 ? this.done / seconds : 0,
      bytes: this.bytes,
      bytesPerSecond: seconds > 0 ? this.bytes / seconds : 0,
      perReplica: this.perReplica,
      failovers: this.failovers,
      failoversByCode: this.failoversByCode,
    };
  }
}

function validate(options: LoadOptions): void {
  if (options.paths.length === 0 && !options.pathAt)
    throw new ClientError('bad_request', 'load mode needs at least one path');
  if (options.ratePerSecond !== undefined && !(options.ratePerSecond > 0)) {
    throw new ClientError('bad_request', 'the rate must be above 0 requests per second');
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new ClientError('bad_request', 'concurrency must be a whole number of at least 1');
  }
}

/**
 * Runs verified, hash-only downloads from `concurrency` workers, each keeping one connection to
 * the balancer, until `requests` are done or `durationMs` has passed; returns the report.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  validate(options);
  const log = options.log ?? openEventLog('client', undefined).log;
  const requests =
    options.requests ?? (options.durationMs === undefined ? options.paths.length : undefined);
  const started = performance.now();
  const deadline = options.durationMs === undefined ? null : started + options.durationMs;
  const tally = new Tally();
  let issued = 0;

  const startOf = (index: number): number =>
    options.ratePerSecond === undefined
      ? started
      : started + (index * 1000) / options.ratePerSecond;
  const claim = (): number | null => {
    if (requests !== undefined && issued >= requests) return null;
    if (deadline !== null && Math.max(performance.now(), startOf(issued)) >= deadline) return null;
    if (options.signal?.aborted) return null;
    issued += 1;
    return issued - 1;
  };
  /** Waits for the request's start time (open loop); false when aborted meanwhile. */
  const startTime = async (index: number): Promise<boolean> => {
    const waitMs = startOf(index) - performance.now();
    if (waitMs > 0)
      await delay(waitMs, undefined, { signal: options.signal }).catch(() => undefined);
    return !options.signal?.aborted;
  };

  const worker = async (): Promise<void> => {
    const session = new BalancerSession(options.balancer, {
      timeoutMs: options.timeoutMs,
      region: options.region,
    });
    try {
      for (let index = claim(); index !== null; index = claim()) {
        if (!(await startTime(index))) break;
        const path = options.pathAt
          ? options.pathAt(index)
          : (options.paths[index % options.paths.length] ?? null);
        const outcome = await fetchOne(options, path, session, log);
        tally.add(outcome);
        options.onProgress?.({
          done: tally.done,
          ok: tally.ok,
          failed: tally.failed,
          last: outcome,
        });
      }
    } finally {
      session.close();
    }
  };

  const workers = Math.min(options.concurrency, requests ?? options.concurrency);
  await Promise.all(Array.from({ length: workers }, worker));
  const report = tally.report(performance.now() - started);
  log.info({ event: 'load-report', ...report }, `load: ${report.ok} ok, ${report.failed} failed`);
  return report;
}

async function fetchOne(
  options: LoadOptions,
  path: string | null,
  session: BalancerSession,
  log: Logger,
): Promise<LoadRequestOutcome> {
  const started = performance.now();
  try {
    const result = await download({
      balancer: options.balancer,
      path,
      sink: null,
      router: session.route,
      timeoutMs: options.timeoutMs,
      maxRouteAttempts: options.maxRouteAttempts,
      log,
      region: options.region,
    });
    return {
      path,
      ok: true,
      latencyMs: performance.now() - started,
      bytes: result.size,
      servedBy: result.servedBy,
      failovers: result.failovers,
      failoverCodes: result.failoverCodes,
      code: null,
    };
  } catch (error) {
    return {
      path,
      ok: false,
      latencyMs: performance.now() - started,
      bytes: 0,
      servedBy: [],
      failovers: 0,
      failoverCodes: [],
      code: error instanceof ClientError ? error.code : 'unexpected',
    };
  }
}
