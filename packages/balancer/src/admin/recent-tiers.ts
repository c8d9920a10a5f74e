import {
  countersOf,
  hitRatio,
  sumCounters,
  tierOf,
  type RecentTierCounters,
  type TierCounters,
  type TieredView,
} from './tiers-status.js';

/** How far back "recent" looks: long enough for a few pongs per replica, short enough to see a change. */
export const RECENT_TIER_SPAN_MS = 5000;

const ZERO: TierCounters = { hits: 0, misses: 0, parentFetches: 0, originFetches: 0 };

interface Sample {
  at: number;
  /** Per tier, the changes of its replicas' counters summed since the first sample. */
  totals: Map<string, TierCounters>;
}

function minus(a: TierCounters, b: TierCounters): TierCounters {
  return {
    hits: a.hits - b.hits,
    misses: a.misses - b.misses,
    parentFetches: a.parentFetches - b.parentFetches,
    originFetches: a.originFetches - b.originFetches,
  };
}

/**
 * Per-tier counts over the last few seconds, from how each replica's counters changed between
 * samples (one a second, with the dashboard's summary). A replica that restarted counts from 0
 * again, so a counter that went down counts what it says now; a replica seen for the first
 * time counts nothing yet (its totals are since its start, not recent).
 */
export class RecentTiers {
  private readonly last = new Map<string, TierCounters>();
  private readonly samples: Sample[] = [];

  constructor(private readonly spanMs = RECENT_TIER_SPAN_MS) {}

  sample(views: readonly TieredView[], at: number): void {
    const previous = this.samples.at(-1)?.totals ?? new Map<string, TierCounters>();
    const totals = new Map(previous);
    const seen = new Set<string>();
    for (const tiered of views) {
      const key = `${tiered.shield ? 'shield' : 'replica'} ${tiered.view.id}`;
      seen.add(key);
      if (!tiered.view.load) continue;
      const now = countersOf(tiered.view.load);
      const before = this.last.get(key);
      this.last.set(key, now);
      if (!before) continue;
      const change = minus(now, before);
      const restarted = Object.values(change).some((delta) => delta < 0);
      const tier = tierOf(tiered);
      totals.set(tier, sumCounters([totals.get(tier) ?? ZERO, restarted ? now : change]));
    }
    for (const key of [...this.last.keys()]) if (!seen.has(key)) this.last.delete(key);
    this.samples.push({ at, totals });
    // Keep one sample at or before the span's start, to measure the whole span from it.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - this.spanMs) {
      this.samples.shift();
    }
  }

  /** The tier's counts from the oldest kept sample to the newest; null before two samples. */
  of(tier: string): RecentTierCounters | null {
    const first = this.samples[0];
    const latest = this.samples.at(-1);
    if (!first || !latest || first === latest) return null;
    const counts = minus(latest.totals.get(tier) ?? ZERO, first.totals.get(tier) ?? ZERO);
    return {
      ...counts,
      seconds: (latest.at - first.at) / 1000,
      hitRatio: hitRatio(counts),
    };
  }
}
