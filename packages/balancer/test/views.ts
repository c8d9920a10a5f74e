import type { LoadReport } from '@cdn-lab/protocol';
import type { ReplicaView } from '../src/index.js';

/** A load report of a replica doing nothing; `overrides` set what a test is about. */
export function idleLoad(overrides: Partial<LoadReport> = {}): LoadReport {
  return {
    activeTransfers: 0,
    activeConnections: 0,
    bytesPerSecond: 0,
    eventLoopLagMs: 0,
    draining: false,
    cachedObjects: 0,
    cachedBytes: 0,
    ...overrides,
  };
}

/** An up replica at host:port with a 1 ms round trip and nothing in flight. */
export function replicaView(
  host: string,
  port: number,
  overrides: Partial<ReplicaView> = {},
): ReplicaView {
  return {
    id: `${host}:${port}`,
    host,
    port,
    state: 'up',
    rttEwmaMs: 1,
    peakEwmaMs: 1,
    lossPercent: 0,
    load: null,
    inflight: 0,
    region: null,
    ...overrides,
  };
}
