import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheCounters } from '../cache/object-store.js';
import type { ParentRow } from '../cache/parent-tier.js';
import type { ClientRegionStats } from '../regions/client-region-stats.js';

/** First-byte times per client region, in seconds: in-region (1–5 ms) to across the world. */
const TTFB_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5];

export interface ReplicaFigures {
  counters: () => CacheCounters;
  parents: () => ParentRow[];
  bytesSent(): number;
  cachedBytes(): number;
  usedBytes(): number;
  activeTransfers(): number;
  bytesPerSecond(): number;
  httpFastAnswers(): number;
  /** A `region` label on every metric, when the replica has one. */
  region: string | null;
  /** A `tier` label on every metric. */
  tier: string;
  /** Per client region (with a topology): requests and first-byte times. */
  clientRegions: ClientRegionStats | null;
}

/**
 * This replica's Prometheus registry. Every value is read from the replica's own counters at
 * scrape time, so nothing on the request path knows about Prometheus.
 */
export function replicaMetrics(figures: ReplicaFigures): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({
    tier: figures.tier,
    ...(figures.region !== null ? { region: figures.region } : {}),
  });
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, read: () => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  const { counters } = figures;
  counter(
    'cdn_replica_cache_hits_total',
    'Requests served from a fresh cached copy',
    () => counters().hits,
  );
  counter(
    'cdn_replica_cache_misses_total',
    'Requests the cache could not serve at once',
    () => counters().misses,
  );
  counter(
    'cdn_replica_cache_evictions_total',
    'Objects evicted to make room',
    () => counters().evictions,
  );
  counter(
    'cdn_replica_origin_fetches_total',
    'Fetches from the origin itself (fallbacks from the parents included)',
    () => counters().originFetches,
  );
  counter(
    'cdn_replica_parent_failovers_total',
    'Times a parent failed and the next one, or the origin, was asked',
    () => counters().parentFailovers,
  );
  counter(
    'cdn_replica_origin_fallbacks_total',
    'Misses no parent answered, so the origin was asked',
    () => counters().originFallbacks,
  );
  parentMetrics(registry, figures.parents);
  counter('cdn_replica_bytes_sent_total', 'Object bytes sent to clients', figures.bytesSent);
  counter(
    'cdn_replica_http_fast_answers_total',
    'HTTP GETs of whole cached objects answered by the fast path',
    figures.httpFastAnswers,
  );
  gauge('cdn_replica_cached_bytes', 'Bytes of the objects held in the cache', figures.cachedBytes);
  gauge(
    'cdn_replica_cache_used_bytes',
    'What the cached objects count against --cache-bytes: their bytes and each entry bookkeeping',
    figures.usedBytes,
  );
  gauge('cdn_replica_active_transfers', 'Transfers in flight', figures.activeTransfers);
  gauge('cdn_replica_bytes_per_second', 'Bytes sent over the last second', figures.bytesPerSecond);
  if (figures.clientRegions) clientRegionMetrics(registry, figures.clientRegions);
  return registry;
}

function parentMetrics(registry: Registry, rows: () => ParentRow[]): void {
  new Counter({
    name: 'cdn_replica_parent_fetches_total',
    help: 'Requests to each parent (the cache tier above), failed ones included',
    labelNames: ['parent'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of rows()) this.inc({ parent: row.id }, row.fetches);
    },
  });
  new Gauge({
    name: 'cdn_replica_parent_up',
    help: 'Whether each parent is asked now (1) or failed and waiting for its retry (0)',
    labelNames: ['parent'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of rows()) this.set({ parent: row.id }, row.state === 'up' ? 1 : 0);
    },
  });
}

function clientRegionMetrics(registry: Registry, stats: ClientRegionStats): void {
  new Counter({
    name: 'cdn_replica_client_region_requests_total',
    help: 'Requests served, by the region the coverage zone places the client in',
    labelNames: ['client_region'],
    registers: [registry],
    collect() {
      this.reset();
      for (const row of stats.report()) this.inc({ client_region: row.region }, row.requests);
    },
  });
  const ttfb = new Histogram({
    name: 'cdn_replica_client_region_ttfb_seconds',
    help: "From a request's arrival to its answer's first byte leaving the emulated link",
    labelNames: ['client_region'],
    buckets: TTFB_BUCKETS,
    registers: [registry],
  });
  stats.observer = (region, ms) => ttfb.observe({ client_region: region }, ms / 1000);
}
