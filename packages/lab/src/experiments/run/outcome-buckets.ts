import { percentile, type LoadRequestOutcome } from '@cdn-lab/client';
import type { SeriesData } from '@cdn-lab/report';
import { intervalOf, intervalSeconds } from './sample-intervals.js';

/** A download as the sampler files it: when it finished, where its client was, who served it. */
export interface FinishedDownload {
  /** Milliseconds since the load started. */
  atMs: number;
  /** The client's region (null: the flat lab). */
  region: string | null;
  outcome: LoadRequestOutcome;
  /** The lab name of the edge that completed it (null for a failed one). */
  edge: string | null;
}

interface Bucket {
  latencies: Map<string, number[]>;
  completedBy: Map<string, number>;
  /** `error <code>` and `failover <code>`: counts in the interval. */
  errors: Map<string, number>;
}

function emptyBucket(): Bucket {
  return { latencies: new Map(), completedBy: new Map(), errors: new Map() };
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Downloads filed by the interval they finished in; turned into the latency, requests and errors series. */
export class OutcomeBuckets {
  private readonly buckets: Bucket[] = [];
  private readonly errorNames = new Set<string>();

  constructor(private readonly sampleMs: number) {}

  add({ atMs, region, outcome, edge }: FinishedDownload): void {
    const index = intervalOf(atMs, this.sampleMs);
    while (this.buckets.length <= index) this.buckets.push(emptyBucket());
    const bucket = this.buckets[index] as Bucket;
    if (outcome.ok) {
      for (const group of region === null ? ['all'] : ['all', region]) {
        const list = bucket.latencies.get(group) ?? [];
        list.push(outcome.latencyMs);
        bucket.latencies.set(group, list);
      }
      if (edge !== null) bump(bucket.completedBy, edge);
      for (const code of outcome.failoverCodes) this.countError(bucket, `failover ${code}`);
    } else {
      this.countError(bucket, `error ${outcome.code ?? 'unknown'}`);
    }
  }

  /**
   * The series over samples at `times` (s): latency per group (`all`, then each region),
   * requests per edge (every name given), errors and failovers by code (every one seen).
   */
  series(
    times: readonly number[],
    regions: readonly string[],
    edges: readonly string[],
  ): SeriesData[] {
    const seconds = intervalSeconds(times);
    const bucketAt = (i: number): Bucket => this.buckets[i] ?? emptyBucket();
    const each = (value: (bucket: Bucket, i: number) => number | null): (number | null)[] =>
      times.map((_, i) => value(bucketAt(i), i));
    const perSecond = (count: number, i: number): number => count / (seconds[i] || 1);
    const latency = ['all', ...regions].flatMap((group) =>
      ([50, 99] as const).map((p) => ({
        chart: 'latency' as const,
        name: `p${p} ${group}`,
        values: each((bucket) => {
          const list = bucket.latencies.get(group);
          return list
            ? percentile(
                [...list].sort((a, b) => a - b),
                p,
              )
            : null;
        }),
      })),
    );
    const requests = edges.map((edge) => ({
      chart: 'requests' as const,
      name: edge,
      values: each((bucket, i) => perSecond(bucket.completedBy.get(edge) ?? 0, i)),
    }));
    const errors = [...this.errorNames].sort().map((name) => ({
      chart: 'errors' as const,
      name,
      values: each((bucket, i) => perSecond(bucket.errors.get(name) ?? 0, i)),
    }));
    return [...latency, ...requests, ...errors];
  }

  private countError(bucket: Bucket, name: string): void {
    this.errorNames.add(name);
    bump(bucket.errors, name);
  }
}
