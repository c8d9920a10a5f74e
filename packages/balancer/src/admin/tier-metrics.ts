import { Gauge, type Registry } from 'prom-client';
import type { BalancerHandle } from '../balancer-handle.js';
import { tiersOf } from './status.js';
import type { TierSummary, TiersStatus } from './tiers-status.js';

/**
 * Gauges per tier read at scrape time from the replicas' latest pongs: sums of counters each
 * replica keeps since it started, so they drop when one restarts (hence gauges, not counters).
 */
export function registerTierMetrics(balancer: BalancerHandle, registry: Registry): void {
  const registers = [registry];
  const tierGauge = (name: string, help: string, value: (tier: TierSummary) => number | null) =>
    new Gauge({
      name: `cdn_balancer_tier_${name}`,
      help,
      labelNames: ['tier'],
      registers,
      collect() {
        this.reset();
        for (const tier of tiersNow().tiers) {
          const measured = value(tier);
          if (measured !== null) this.set({ tier: tier.name }, measured);
        }
      },
    });
  const tiersNow = (): TiersStatus => tiersOf(balancer, balancer.snapshot(), balancer.shields());
  tierGauge('hits', "Requests the tier's replicas served from their caches, summed", (t) => t.hits);
  tierGauge('misses', "Requests the tier's replicas had to fetch, summed", (t) => t.misses);
  tierGauge(
    'hit_ratio',
    'hits / (hits + misses) of the tier (absent: no request yet)',
    (t) => t.hitRatio,
  );
  tierGauge(
    'parent_fetches',
    "Fetches the tier's replicas made from their parents",
    (t) => t.parentFetches,
  );
  tierGauge(
    'origin_fetches',
    "Fetches the tier's replicas made from the origin itself",
    (t) => t.originFetches,
  );
  tierGauge('replicas_up', "The tier's replicas that are up", (t) => t.up);
  new Gauge({
    name: 'cdn_balancer_origin_fetches',
    help: 'Fetches the origin served, summed over every tier',
    registers,
    collect() {
      this.set(tiersNow().originFetches);
    },
  });
  new Gauge({
    name: 'cdn_balancer_shield_up',
    help: '1 when the shield (a replica of --shields, never routed to) is up, else 0',
    labelNames: ['replica'],
    registers,
    collect() {
      this.reset();
      for (const view of balancer.shields())
        this.set({ replica: view.id }, view.state === 'up' ? 1 : 0);
    },
  });
}
