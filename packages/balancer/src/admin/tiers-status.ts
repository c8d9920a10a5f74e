import type { LoadReport } from '@cdn-lab/protocol';
import type { ReplicaView } from '../strategies/index.js';

/** The counters a replica's pongs carry since it started, summed per tier. */
export interface TierCounters {
  hits: number;
  misses: number;
  parentFetches: number;
  originFetches: number;
}

/** The same counters over a recent span, from their change between summaries. */
export interface RecentTierCounters extends TierCounters {
  /** How long the counts are over (the span, or less since the admin started). */
  seconds: number;
  hitRatio: number | null;
}

export interface TierSummary extends TierCounters {
  /** `edge`, `shield`, or the label replicas report with --tier. */
  name: string;
  /** hits ÷ (hits + misses) since each replica started; null: no request yet. */
  hitRatio: number | null;
  up: number;
  known: number;
  replicas: string[];
  /** Null until two summaries have been taken (the admin's once-a-second tick). */
  recent: RecentTierCounters | null;
}

export interface TiersStatus {
  /** Edges first, the shield tier last (next to the origin), other labels between by name. */
  tiers: TierSummary[];
  /** What the origin was asked in all: the sum of every tier's origin fetches. */
  originFetches: number;
}

export const EDGE_TIER = 'edge';
export const SHIELD_TIER = 'shield';

/** A tier view: a replica and whether it is listed in the shields file. */
export interface TieredView {
  view: ReplicaView;
  shield: boolean;
}

/** The label its pongs report; before they do, what it is listed as (a replica's default). */
export function tierOf({ view, shield }: TieredView): string {
  return view.load?.tier ?? (shield ? SHIELD_TIER : EDGE_TIER);
}

export function countersOf(load: LoadReport | null): TierCounters {
  return {
    hits: load?.hits ?? 0,
    misses: load?.misses ?? 0,
    parentFetches: load?.parentFetches ?? 0,
    originFetches: load?.originFetches ?? 0,
  };
}

export function hitRatio({ hits, misses }: TierCounters): number | null {
  return hits + misses > 0 ? hits / (hits + misses) : null;
}

/** Both lists tiered, the routed replicas then the shields. */
export function tieredViews(
  replicas: readonly ReplicaView[],
  shields: readonly ReplicaView[],
): TieredView[] {
  return [
    ...replicas.map((view) => ({ view, shield: false })),
    ...shields.map((view) => ({ view, shield: true })),
  ];
}

function tierOrder(names: readonly string[]): string[] {
  const middle = names.filter((name) => name !== EDGE_TIER && name !== SHIELD_TIER).sort();
  const shields = names.includes(SHIELD_TIER) ? [SHIELD_TIER] : [];
  return [EDGE_TIER, ...middle, ...shields];
}

/**
 * The tiers block: every tier label seen, `edge` always and `shield` when there is a shields
 * file, each with its replicas' counters summed from their latest pongs (a replica not
 * answering keeps counting with its last report).
 */
export function tiersStatus(
  views: readonly TieredView[],
  hasShieldsFile: boolean,
  recent: (tier: string) => RecentTierCounters | null = () => null,
): TiersStatus {
  const byTier = new Map<string, TieredView[]>();
  if (hasShieldsFile) byTier.set(SHIELD_TIER, []);
  for (const tiered of views) {
    const name = tierOf(tiered);
    byTier.set(name, [...(byTier.get(name) ?? []), tiered]);
  }
  const tiers = tierOrder([...byTier.keys()]).map((name) => {
    const members = (byTier.get(name) ?? []).map(({ view }) => view);
    const counters = sumCounters(members.map((view) => countersOf(view.load)));
    return {
      name,
      ...counters,
      hitRatio: hitRatio(counters),
      up: members.filter((view) => view.state === 'up').length,
      known: members.length,
      replicas: members.map((view) => view.id),
      recent: recent(name),
    };
  });
  return { tiers, originFetches: tiers.reduce((sum, tier) => sum + tier.originFetches, 0) };
}

export function sumCounters(list: readonly TierCounters[]): TierCounters {
  const sum: TierCounters = { hits: 0, misses: 0, parentFetches: 0, originFetches: 0 };
  for (const counters of list) {
    sum.hits += counters.hits;
    sum.misses += counters.misses;
    sum.parentFetches += counters.parentFetches;
    sum.originFetches += counters.originFetches;
  }
  return sum;
}
