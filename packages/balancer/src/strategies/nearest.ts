import { loadBound, rendezvousOrder } from './consistent.js';
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

/** One region's up replicas in rendezvous order, split by the load bound. */
interface RegionGroup {
  /** null: the replicas whose region is not one of the topology's. */
  region: string | null;
  ranked: ReplicaView[];
  fine: ReplicaView[];
  over: ReplicaView[];
  /** Replicas below the overflow bound: while there is one, the region serves its clients. */
  open: number;
}

function emptyGroup(region: string | null): RegionGroup {
  return { region, ranked: [], fine: [], over: [], open: 0 };
}

/** Why a region nearer than the serving one was passed over. */
function passedOver(group: RegionGroup, bound: number): string {
  if (group.ranked.length === 0) return `${group.region ?? '?'} has no replica up`;
  const least = Math.min(...group.ranked.map(reportedTransfers));
  return (
    `every ${group.region ?? '?'} replica over the load bound ` +
    `(least loaded ${fmt(least)} > ${bound})`
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
export const nearest: Strategy = (replicas, request) => {
  const up = routableOf(replicas);
  if (up.length === 0) return NO_ROUTABLE;
  const order = request.placement?.regionOrder ?? [];
  const bound = loadBound(up, inflightEstimate);
  const isOver = (replica: ReplicaView): boolean => inflightEstimate(replica) > bound;
  const overflowBound = Math.max(loadBound(up, reportedTransfers), OVERFLOW_MIN_TRANSFERS);
  // A subset of the rendezvous order is that subset's own order: one hash and one sort serve
  // every region. Plain loops: this runs for every route.
  const groups = order.map(emptyGroup);
  const unplaced = emptyGroup(null);
  groups.push(unplaced);
  for (const replica of rendezvousOrder(request.path, up)) {
    const at = replica.region === null ? -1 : order.indexOf(replica.region);
    const group = at < 0 ? unplaced : (groups[at] as RegionGroup);
    group.ranked.push(replica);
    (isOver(replica) ? group.over : group.fine).push(replica);
    if (reportedTransfers(replica) <= overflowBound) group.open += 1;
  }
  let serving = groups.find((group) => group.open > 0);
  serving ??= groups.find((group) => group.ranked.length > 0) as RegionGroup;
  const ordered = [...serving.fine, ...serving.over];
  for (const group of groups) {
    if (group !== serving) ordered.push(...group.fine, ...group.over);
  }
  const best = ordered[0] as ReplicaView;
  const owner = serving.ranked[0] as ReplicaView;
  const pick =
    best === owner
      ? `owner ${best.id} (hash)`
      : `owner ${owner.id} over the load bound (${fmt(inflightEstimate(owner))} > ${bound}); ` +
        `next by hash ${best.id}`;
  const where = request.placement?.why ?? 'no client region (no topology)';
  const home = groups[0] as RegionGroup;
  if (serving === home) return { ordered, reason: `${where}; ${pick}` };
  const skipped = groups
    .slice(0, groups.indexOf(serving))
    .map((group) => passedOver(group, overflowBound));
  const to = serving.region ?? 'replicas of no known region';
  return {
    ordered,
    reason: `${where}; overflow ${home.region ?? '?'} → ${to}: ${skipped.join(', ')}; ${pick}`,
  };
};
