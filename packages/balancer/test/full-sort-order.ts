import { rendezvousOrder } from '@cdn-lab/common';
import { inflightEstimate, loadBound, slowThresholdMs, type ReplicaView } from '../src/index.js';
import { OVERFLOW_MIN_TRANSFERS } from '../src/strategies/nearest.js';

/** consistent's order before top-k (issue 15): the rendezvous order, split by spill class. */
export function consistentBefore(up: readonly ReplicaView[], path: string): string[] {
  const ranked = rendezvousOrder(path, up);
  const bound = loadBound(up);
  const slowAbove = slowThresholdMs(up);
  const over = (r: ReplicaView): boolean => r.inflight > bound;
  const slow = (r: ReplicaView): boolean => (r.load?.responseMs ?? 0) > slowAbove;
  return [
    ...ranked.filter((r) => !over(r) && !slow(r)),
    ...ranked.filter((r) => over(r) && !slow(r)),
    ...ranked.filter(slow),
  ].map((r) => r.id);
}

/** nearest's order before top-k: groups by region in rendezvous order, the serving one first. */
export function nearestBefore(up: readonly ReplicaView[], path: string, order: string[]): string[] {
  const bound = loadBound(up, inflightEstimate);
  const reported = (r: ReplicaView): number => r.load?.activeTransfers ?? 0;
  const overflow = Math.max(loadBound(up, reported), OVERFLOW_MIN_TRANSFERS);
  const groups = [...order, null].map(() => ({
    fine: [] as string[],
    over: [] as string[],
    open: 0,
    size: 0,
  }));
  for (const r of rendezvousOrder(path, up)) {
    const at = r.region === null ? -1 : order.indexOf(r.region);
    const group = groups[at < 0 ? order.length : at] as (typeof groups)[number];
    (inflightEstimate(r) > bound ? group.over : group.fine).push(r.id);
    group.size += 1;
    if (reported(r) <= overflow) group.open += 1;
  }
  const serving = groups.find((g) => g.open > 0) ?? groups.find((g) => g.size > 0);
  if (!serving) return [];
  return [serving, ...groups.filter((g) => g !== serving)].flatMap((g) => [...g.fine, ...g.over]);
}
