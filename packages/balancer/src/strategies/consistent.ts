import { rendezvousKey, rendezvousNodeWeight, rendezvousOrder } from '@cdn-lab/common';
import { KEPT_PER_PATH, PathTops, spillOrder } from './path-tops.js';
import { TopRanked } from './top-k.js';
import {
  NO_ROUTABLE,
  fmt,
  routableOf,
  type ReplicaView,
  type RouteRequest,
  type Strategy,
} from './types.js';

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
  let quickest = Infinity;
  for (const replica of replicas) quickest = Math.min(quickest, replica.load?.responseMs ?? 0);
  return SLOW_FACTOR * quickest + SLOW_MARGIN_MS;
}

/** ceil(LOAD_BOUND_FACTOR × (total + 1) / n) for a total load over n replicas. */
export function boundOf(total: number, replicas: number): number {
  return Math.ceil((LOAD_BOUND_FACTOR * (total + 1)) / replicas);
}

/** ceil(LOAD_BOUND_FACTOR × (total + 1) / n), the load being `loadOf` (in flight by default). */
export function loadBound(
  replicas: readonly ReplicaView[],
  loadOf: (replica: ReplicaView) => number = (replica) => replica.inflight,
): number {
  let total = 0;
  for (const replica of replicas) total += loadOf(replica);
  return boundOf(total, replicas.length);
}

/**
 * Rendezvous hashing of the path, so each object lives on one replica's cache and only ~1/n of
 * paths move when a replica comes or goes; with bounded load, a replica whose in-flight count
 * exceeds ceil(2 × (total + 1) / n) is skipped and the path spills to the next in order.
 */
export { rendezvousOrder };

/** Spill classes, in the order a path tries them: fine, over the load bound, slow. */
const FINE = 0;
const OVERLOADED = 1;
const SLOW = 2;

/** The first KEPT_PER_PATH of each hot path's rendezvous order over the up replicas. */
const tops = new PathTops();

export const consistent: Strategy = (replicas, request) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  // A plain loop over the replicas, allocating nothing: this runs for every route.
  let total = 0;
  let quickest = Infinity;
  for (let at = 0; at < up.length; at += 1) {
    const replica = up[at] as ReplicaView;
    total += replica.inflight;
    quickest = Math.min(quickest, replica.load?.responseMs ?? 0);
  }
  const bound = boundOf(total, up.length);
  const slowAbove = SLOW_FACTOR * quickest + SLOW_MARGIN_MS;
  const tierOf = (at: number): number => {
    const replica = up[at] as ReplicaView;
    return (replica.load?.responseMs ?? 0) > slowAbove
      ? SLOW
      : replica.inflight > bound
        ? OVERLOADED
        : FINE;
  };
  const kept =
    request.wanted !== undefined && request.wanted <= KEPT_PER_PATH
      ? keptOrder(up, request.path, request.wanted, tierOf)
      : null;
  const { positions, ownerAt } = kept ?? fullOrder(up, request, tierOf);
  const owner = up[ownerAt] as ReplicaView;
  const slow = (owner.load?.responseMs ?? 0) > slowAbove;
  const ordered = positions.map((at) => up[at] as ReplicaView);
  const best = ordered[0] as ReplicaView;
  const ownerInflight = fmt(owner.inflight);
  const reason =
    best === owner
      ? `owner by rendezvous hash (${ownerInflight} in flight, bound ${bound})`
      : slow
        ? `owner ${owner.id} answers slowly (${fmt(owner.load?.responseMs ?? 0)} ms to first ` +
          `byte > ${fmt(slowAbove)}); spilled to the next in rendezvous order`
        : `owner ${owner.id} is over the load bound (${ownerInflight} in flight > ${bound}); ` +
          `spilled to the next in rendezvous order`;
  return { ordered, reason };
};

interface Ordered {
  positions: readonly number[];
  ownerAt: number;
}

/** From the path's kept rendezvous top, when that decides the answer (see spillOrder). */
function keptOrder(
  up: readonly ReplicaView[],
  path: string | null,
  wanted: number,
  tierOf: (at: number) => number,
): Ordered | null {
  const top = tops.get(up, path ?? '', path, () => up.keys());
  const positions = spillOrder(top, up.length, wanted, tierOf);
  return positions ? { positions, ownerAt: top[0] as number } : null;
}

/** Rendezvous order split by class, fine ones first, over every up replica in one pass. */
function fullOrder(
  up: readonly ReplicaView[],
  request: RouteRequest,
  tierOf: (at: number) => number,
): Ordered {
  const keyHash = rendezvousKey(request.path);
  const top = new TopRanked(request.wanted);
  let ownerAt = 0;
  let ownerWeight = -1;
  for (let at = 0; at < up.length; at += 1) {
    const replica = up[at] as ReplicaView;
    const weight = rendezvousNodeWeight(keyHash, replica);
    top.offer(at, tierOf(at), weight, replica.id);
    if (
      weight > ownerWeight ||
      (weight === ownerWeight && replica.id < (up[ownerAt] as ReplicaView).id)
    ) {
      ownerAt = at;
      ownerWeight = weight;
    }
  }
  return { positions: top.positions(), ownerAt };
}
