import { summarizeLatency, type LoadReport } from '@cdn-lab/client';

/** The load's own counts of one variant, over every client region's report. */
export interface LoadTotals {
  requests: number;
  ok: number;
  failed: number;
  errorsByCode: Record<string, number>;
  failovers: number;
  failoversByCode: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  requestsPerSecond: number;
  /** Successful requests by the lab name of the edge that completed them. */
  perReplica: Record<string, number>;
}

function addCounts(
  into: Record<string, number>,
  counts: Record<string, number>,
  key = (k: string): string => k,
): void {
  for (const [name, count] of Object.entries(counts)) {
    into[key(name)] = (into[key(name)] ?? 0) + count;
  }
}

/**
 * Sums the regions' LoadReports; latency is over every successful download's own time (a
 * percentile of percentiles would not be one), `nameOf` turns replica ids into lab names.
 */
export function loadTotals(
  reports: readonly LoadReport[],
  okLatencies: readonly number[],
  nameOf: (id: string) => string,
): LoadTotals {
  const totals: LoadTotals = {
    ...{ requests: 0, ok: 0, failed: 0, errorsByCode: {}, failovers: 0, failoversByCode: {} },
    latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
    requestsPerSecond: 0,
    perReplica: {},
  };
  let longestMs = 0;
  for (const report of reports) {
    totals.requests += report.requests;
    totals.ok += report.ok;
    totals.failed += report.failed;
    totals.failovers += report.failovers;
    addCounts(totals.errorsByCode, report.errorsByCode);
    addCounts(totals.failoversByCode, report.failoversByCode);
    addCounts(totals.perReplica, report.perReplica, nameOf);
    longestMs = Math.max(longestMs, report.durationMs);
  }
  const { p50, p90, p99, max } = summarizeLatency(okLatencies);
  totals.latencyMs = { p50, p90, p99, max };
  totals.requestsPerSecond = longestMs > 0 ? totals.requests / (longestMs / 1000) : 0;
  return totals;
}
