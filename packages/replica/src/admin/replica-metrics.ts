import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheCounters } from '../cache/object-store.js';

export interface ReplicaFigures {
  counters: CacheCounters;
  bytesSent(): number;
  cachedBytes(): number;
  usedBytes(): number;
  activeTransfers(): number;
  bytesPerSecond(): number;
  httpFastAnswers(): number;
}

/**
 * This replica's Prometheus registry. Every value is read from the replica's own counters at
 * scrape time, so nothing on the request path knows about Prometheus.
 */
export function replicaMetrics(figures: ReplicaFigures): Registry {
  const registry = new Registry();
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
    () => counters.hits,
  );
  counter(
    'cdn_replica_cache_misses_total',
    'Requests the cache could not serve at once',
    () => counters.misses,
  );
  counter(
    'cdn_replica_cache_evictions_total',
    'Objects evicted to make room',
    () => counters.evictions,
  );
  counter(
    'cdn_replica_origin_fetches_total',
    'Fetches from the origin',
    () => counters.originFetches,
  );
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
  return registry;
}
