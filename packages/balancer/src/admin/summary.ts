import type { BalancerHandle } from '../balancer-handle.js';
import type { ReplicaView } from '../strategies/index.js';
import type { RecentTiers } from './recent-tiers.js';
import { regionsStatus } from './regions-status.js';
import { tiersOf } from './status.js';
import { tierOf, tieredViews } from './tiers-status.js';

/** What a tile shows of any probed replica: its state and its pongs (a shield takes no routes). */
function probedRow(view: ReplicaView, shield: boolean) {
  return {
    id: view.id,
    state: view.state,
    region: view.region,
    tier: tierOf({ view, shield }),
    parents: view.load?.parents ?? [],
    rttEwmaMs: view.rttEwmaMs,
    inflight: view.inflight,
    load: view.load,
    faults: view.load?.faults ?? [],
  };
}

/**
 * The once-a-second SSE summary; routesPerSecond is measured between two summaries, and each
 * summary is also a sample of the tiers' recent counts.
 */
export class SummaryMaker {
  private lastRoutes = new Map<string, number>();
  private lastAt = Date.now();

  constructor(
    private readonly balancer: BalancerHandle,
    private readonly recent: RecentTiers,
  ) {}

  next(at = Date.now()): unknown {
    const seconds = Math.max(0.001, (at - this.lastAt) / 1000);
    const routes = new Map<string, number>();
    const views = this.balancer.snapshot();
    const shields = this.balancer.shields();
    this.recent.sample(tieredViews(views, shields), at);
    const replicas = views.map((view) => {
      const count = this.balancer.routesTo(view.id);
      routes.set(view.id, count);
      // Made with the balancer, when every count is 0; a replica found later also starts at 0.
      const before = this.lastRoutes.get(view.id) ?? 0;
      return {
        ...probedRow(view, false),
        adminDrained: this.balancer.isAdminDrained(view.id),
        routes: count,
        routesPerSecond: Math.round(((count - before) / seconds) * 10) / 10,
      };
    });
    this.lastRoutes = routes;
    this.lastAt = at;
    return {
      at,
      strategy: this.balancer.strategy,
      routesTotal: this.balancer.routesTotal,
      replicas,
      shields: shields.map((view) => probedRow(view, true)),
      tiers: tiersOf(this.balancer, views, shields, this.recent),
      regions: this.balancer.regions ? regionsStatus(this.balancer.regions, views) : null,
    };
  }
}
