import { fnv1a64, rendezvousWeight } from './hash.js';
import { NO_ROUTABLE, routableOf, type ReplicaView, type Strategy } from './types.js';

/** How far above the average in-flight count a replica may go before a path spills over. */
export const LOAD_BOUND_FACTOR = 1.25;

/** Rendezvous order of the replicas for one path: the owner first. Ties break by id. */
export function rendezvousOrder(
  path: string | null,
  replicas: readonly ReplicaView[],
): ReplicaView[] {
  const key = fnv1a64(path ?? '');
  return replicas
    .map((replica) => ({ replica, weight: rendezvousWeight(key, fnv1a64(replica.id)) }))
    .sort((x, y) => y.weight - x.weight || (x.replica.id < y.replica.id ? -1 : 1))
    .map(({ replica }) => replica);
}

export function loadBound(replicas: readonly ReplicaView[]): number {
  const total = replicas.reduce((sum, replica) => sum + replica.inflight, 0);
  return Math.ceil((LOAD_BOUND_FACTOR * (total + 1)) / replicas.length);
}

/**
 * Rendezvous hashing of the path, so each object lives on one replica's cache and only ~1/n of
 * paths move when a replica comes or goes; with bounded load, a replica whose in-flight count
 * exceeds ceil(1.25 × (total + 1) / n) is skipped and the path spills to the next in order.
 */
export const consistent: Strategy = (replicas, request) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  const ranked = rendezvousOrder(request.path, up);
  const bound = loadBound(up);
  const overloaded = (replica: ReplicaView): boolean => replica.inflight > bound;
  const ordered = [...ranked.filter((r) => !overloaded(r)), ...ranked.filter(overloaded)];
  const owner = ranked[0] as ReplicaView;
  const best = ordered[0] as ReplicaView;
  const reason =
    best === owner
      ? `owner by rendezvous hash (${owner.inflight} in flight, bound ${bound})`
      : `owner ${owner.id} is over the load bound (${owner.inflight} in flight > ${bound}); ` +
        `spilled to the next in rendezvous order`;
  return { ordered, reason };
};
