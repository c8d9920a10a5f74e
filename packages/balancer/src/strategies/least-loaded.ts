import { firstInOrder } from './top-k.js';
import { NO_ROUTABLE, fmt, routableOf, type ReplicaView, type Strategy } from './types.js';

function compareLoad(a: ReplicaView, b: ReplicaView): number {
  return (
    a.inflight - b.inflight ||
    (a.load?.bytesPerSecond ?? 0) - (b.load?.bytesPerSecond ?? 0) ||
    a.rttEwmaMs - b.rttEwmaMs
  );
}

/** Fewest transfers in flight, then least throughput, then the quickest probe answers. */
export const leastLoaded: Strategy = (replicas, request) => {
  const ordered = firstInOrder(routableOf(replicas), request.wanted, compareLoad);
  const best = ordered[0];
  if (!best) return NO_ROUTABLE;
  const bps = best.load?.bytesPerSecond ?? 0;
  return {
    ordered,
    reason: `least loaded: ${best.inflight} in flight, ${fmt(bps)} B/s, rtt ${fmt(best.rttEwmaMs)} ms`,
  };
};
