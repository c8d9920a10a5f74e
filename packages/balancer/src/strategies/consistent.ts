import { rendezvousOrder } from '@cdn-lab/common';
import { NO_ROUTABLE, fmt, routableOf, type ReplicaView, type Strategy } from './types.js';

/**
 * How far above the average in-flight count a replica may go before a path spills over. With
 * tens of requests in flight, 1.25 spilled the hottest paths so often that each spill cost an
 * extra origin fetch (B6 in bench/RESULTS.md); 2 keeps them home and still caps a hot spot.
 */
export const LOAD_BOUND_FACTOR = 2;
/**
 * A replica answering this much slower than the quickest one (reported time to first byte) is
 * passed over like an overloaded one: SLOW_FACTOR × the quickest + SLOW_MARGIN_MS.
 */
export const SLOW_FACTOR = 4;
export const SLOW_MARGIN_MS = 25;

/** The response time above which a replica counts as slow, from the quickest one's. */
export function slowThresholdMs(replicas: readonly ReplicaView[]): number {
  const quickest = Math.min(...replicas.map((replica) => replica.load?.responseMs ?? 0));
  return SLOW_FACTOR * quickest + SLOW_MARGIN_MS;
}

/** ceil(LOAD_BOUND_FACTOR × (total + 1) / n), the load being `loadOf` (in flight by default). */
export function loadBound(
  replicas: readonly ReplicaView[],
  loadOf: (replica: ReplicaView) => number = (replica) => replica.inflight,
): number {
  const total = replicas.reduce((sum, replica) => sum + loadOf(replica), 0);
  return Math.ceil((LOAD_BOUND_FACTOR * (total + 1)) / replicas.length);
}

/**
 * Rendezvous hashing of the path, so each object lives on one replica's cache and only ~1/n of
 * paths move when a replica comes or goes; with bounded load, a replica whose in-flight count
 * exceeds ceil(2 × (total + 1) / n) is skipped and the path spills to the next in order.
 */
export { rendezvousOrder };

export const consistent: Strategy = (replicas, request) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  const ranked = rendezvousOrder(request.path, up);
  const bound = loadBound(up);
  const slowAbove = slowThresholdMs(up);
  const overloaded = (replica: ReplicaView): boolean => replica.inflight > bound;
  const slow = (replica: ReplicaView): boolean => (replica.load?.responseMs ?? 0) > slowAbove;
  const fine = (replica: ReplicaView): boolean => !overloaded(replica) && !slow(replica);
  const ordered = [
    ...ranked.filter(fine),
    ...ranked.filter((r) => overloaded(r) && !slow(r)),
    ...ranked.filter(slow),
  ];
  const owner = ranked[0] as ReplicaView;
  const best = ordered[0] as ReplicaView;
  const inflight = fmt(owner.inflight);
  const reason =
    best === owner
      ? `owner by rendezvous hash (${inflight} in flight, bound ${bound})`
      : slow(owner)
        ? `owner ${owner.id} answers slowly (${fmt(owner.load?.responseMs ?? 0)} ms to first ` +
          `byte > ${fmt(slowAbove)}); spilled to the next in rendezvous order`
        : `owner ${owner.id} is over the load bound (${inflight} in flight > ${bound}); ` +
          `spilled to the next in rendezvous order`;
  return { ordered, reason };
};
