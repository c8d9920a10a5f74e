import { rendezvousKey, rendezvousNodeWeight } from '@cdn-lab/common';
import { boundOf } from './consistent.js';
import { KEPT_PER_PATH, PathTops, spillOrder } from './path-tops.js';
import { TopRanked } from './top-k.js';
import {
  NO_ROUTABLE,
  fmt,
  inflightEstimate,
  routableOf,
  type ReplicaView,
  type Strategy,
} from './types.js';

/**
 * A region sends its clients to another only when every one of its replicas reports more
 * transfers in flight than this, and than the load bound counted in reported transfers. Route
 * counts run ahead of the transfers when downloads are quick: the fading estimate, which orders
 * the replicas inside a region, when probes are slow (eight quick downloads in a row looked like
 * 16 at once in the Docker lab), and the routes since the last report when they come fast (a
 * region of one replica under two sequential clients counted 40 between two pongs). A wrong
 * guess inside a region costs a cache miss, across regions a client's long round trip.
 */
export const OVERFLOW_MIN_TRANSFERS = 8;

/** What a replica said it was doing at its last pong: transfers, not routes. */
function reportedTransfers(replica: ReplicaView): number {
  return replica.load?.activeTransfers ?? 0;
}

/** One region's up replicas: counts for the choice of the serving region, and their positions. */
interface RegionGroup {
  /** null: the replicas whose region is not one of the topology's. */
  region: string | null;
  /** Positions in the up list, in that list's order. */
  members: number[];
  /** Replicas below the overflow bound: while there is one, the region serves its clients. */
  open: number;
  /** The fewest transfers one of them reported (Infinity: none up). */
  leastReported: number;
}

function emptyGroup(region: string | null): RegionGroup {
  return { region, members: [], open: 0, leastReported: Infinity };
}

/** Why a region nearer than the serving one was passed over. */
function passedOver(group: RegionGroup, bound: number): string {
  if (group.members.length === 0) return `${group.region ?? '?'} has no replica up`;
  return (
    `every ${group.region ?? '?'} replica over the load bound ` +
    `(least loaded ${fmt(group.leastReported)} > ${bound})`
  );
}

/**
 * The client's own region first: bounded-load rendezvous hashing of the path among its up
 * replicas (consistent's bound, over every up replica, load = inflightEstimate). A region with
 * none up, or only replicas over the overflow bound (reported transfers over both consistent's
 * bound and OVERFLOW_MIN_TRANSFERS), overflows to the next-nearest region by the topology's
 * delays, and so on. Alternates follow in the same order; replicas of no known
 * region come last. Without a placement (no topology) every replica is of no known region.
 */
/** Per path and region: the first KEPT_PER_PATH of that region's up replicas by rendezvous. */
const tops = new PathTops();
/** The regions `tops` was ranked under, by position: a pong moving a replica forgets them. */
let rankedRegions: (string | null)[] = [];

export const nearest: Strategy = (replicas, request) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  const order = request.placement?.regionOrder ?? [];
  // Plain loops over the replicas: this runs for every route, over every replica up.
  const reported = new Float64Array(up.length);
  let estimated = 0;
  let reportedTotal = 0;
  for (let at = 0; at < up.length; at += 1) {
    const replica = up[at] as ReplicaView;
    reported[at] = reportedTransfers(replica);
    estimated += inflightEstimate(replica);
    reportedTotal += reported[at] as number;
  }
  const bound = boundOf(estimated, up.length);
  const overflowBound = Math.max(boundOf(reportedTotal, up.length), OVERFLOW_MIN_TRANSFERS);
  const groups = order.map(emptyGroup);
  groups.push(emptyGroup(null));
  let moved = rankedRegions.length !== up.length;
  for (let at = 0; at < up.length; at += 1) {
    const region = (up[at] as ReplicaView).region;
    if (!moved && rankedRegions[at] !== region) moved = true;
    const known = region === null ? -1 : order.indexOf(region);
    const group = groups[known < 0 ? groups.length - 1 : known] as RegionGroup;
    group.members.push(at);
    group.leastReported = Math.min(group.leastReported, reported[at] as number);
    if ((reported[at] as number) <= overflowBound) group.open += 1;
  }
  if (moved) {
    tops.forget();
    rankedRegions = up.map((replica) => replica.region);
  }
  let servingAt = groups.findIndex((group) => group.open > 0);
  if (servingAt < 0) servingAt = groups.findIndex((group) => group.members.length > 0);
  const serving = groups[servingAt] as RegionGroup;
  // Regions in the order a path tries them: the serving one, then the others nearest first.
  const tier = (index: number): number => (index === servingAt ? 0 : index + 1);
  const wanted = request.wanted ?? up.length;
  // Only the regions that can hold the first `wanted` are hashed: the serving one alone, unless
  // it has fewer replicas up than that.
  const byTier = groups.map((_, index) => index).sort((a, b) => tier(a) - tier(b));
  const overOf = (at: number): number => (inflightEstimate(up[at] as ReplicaView) > bound ? 1 : 0);
  const kept =
    request.wanted !== undefined &&
    request.wanted <= KEPT_PER_PATH &&
    serving.members.length >= request.wanted
      ? keptOrder(up, request.path, serving, request.wanted, overOf)
      : null;
  const { positions, owner } =
    kept ?? fullOrder(up, request.path, groups, byTier, servingAt, wanted, tier, overOf);
  const ordered = positions.map((at) => up[at] as ReplicaView);
  const best = ordered[0] as ReplicaView;
  const pick =
    best === owner
      ? `owner ${best.id} (hash)`
      : `owner ${owner.id} over the load bound (${fmt(inflightEstimate(owner))} > ${bound}); ` +
        `next by hash ${best.id}`;
  const where = request.placement?.why ?? 'no client region (no topology)';
  const home = groups[0] as RegionGroup;
  if (serving === home) return { ordered, reason: `${where}; ${pick}` };
  const skipped = groups.slice(0, servingAt).map((group) => passedOver(group, overflowBound));
  const to = serving.region ?? 'replicas of no known region';
  return {
    ordered,
    reason: `${where}; overflow ${home.region ?? '?'} → ${to}: ${skipped.join(', ')}; ${pick}`,
  };
};

interface Ordered {
  positions: readonly number[];
  owner: ReplicaView;
}

/** From the path's kept top in the serving region, when that decides the answer. */
function keptOrder(
  up: readonly ReplicaView[],
  path: string | null,
  serving: RegionGroup,
  wanted: number,
  overOf: (at: number) => number,
): Ordered | null {
  // A region name cannot hold a NUL, so the key names one (region, path) pair.
  const key = `${serving.region ?? ''}\u0000${serving.region === null ? '-' : '+'}${path ?? ''}`;
  const top = tops.get(up, key, path, () => serving.members);
  const positions = spillOrder(top, serving.members.length, wanted, overOf);
  return positions ? { positions, owner: up[top[0] as number] as ReplicaView } : null;
}

/** Every replica of the regions that can hold the first `wanted`, hashed and ranked. */
function fullOrder(
  up: readonly ReplicaView[],
  path: string | null,
  groups: readonly RegionGroup[],
  byTier: readonly number[],
  servingAt: number,
  wanted: number,
  tier: (index: number) => number,
  overOf: (at: number) => number,
): Ordered {
  const keyHash = rendezvousKey(path);
  const top = new TopRanked(wanted);
  let offered = 0;
  let owner: ReplicaView | null = null;
  let ownerWeight = -1;
  for (const index of byTier) {
    if (offered > 0 && offered >= wanted) break;
    for (const at of (groups[index] as RegionGroup).members) {
      const replica = up[at] as ReplicaView;
      const weight = rendezvousNodeWeight(keyHash, replica);
      const over = overOf(at);
      top.offer(at, tier(index) * 2 + over, weight, replica.id);
      offered += 1;
      const better =
        owner === null || weight > ownerWeight || (weight === ownerWeight && replica.id < owner.id);
      if (index === servingAt && better) {
        owner = replica;
        ownerWeight = weight;
      }
    }
  }
  if (!owner) throw new Error('the serving region has a replica up');
  return { positions: top.positions(), owner };
}
