import { endpointId } from '@cdn-lab/common';
import type { LoadReport, ParentReport } from '@cdn-lab/protocol';
import type { BalancerHandle } from '../balancer-handle.js';
import type { RecentTiers } from './recent-tiers.js';
import { regionsStatus, type RegionsStatus } from './regions-status.js';
import { tierOf, tieredViews, tiersStatus, type TiersStatus } from './tiers-status.js';
import { strategyNamesFor, type ReplicaState, type ReplicaView } from '../strategies/index.js';

export interface ReplicaStatus {
  id: string;
  host: string;
  port: number;
  state: ReplicaState;
  /** The region its pongs report; null: none (no topology, or not said yet). */
  region: string | null;
  /** The tier its pongs report; until they do, `shield` for a shield, else `edge`. */
  tier: string;
  /**
   * The address it advertises to clients outside its network (`host:port`), given to clients
   * that arrive on another of the balancer's subnets; null: none.
   */
  advertised: string | null;
  /** Its parents and their states, as its pongs report them (empty: none). */
  parents: ParentReport[];
  /** When it entered this state (epoch ms). */
  since: number;
  adminDrained: boolean;
  rttEwmaMs: number;
  peakEwmaMs: number;
  lossPercent: number;
  inflight: number;
  load: LoadReport | null;
  /** Faults the replica says are injected into it. */
  faults: string[];
  /** Routes sent to it since the balancer started (0 for a shield: never routed to). */
  routes: number;
}

export interface BalancerStatus {
  role: 'balancer';
  id: string;
  startedAt: number;
  strategy: string;
  strategies: string[];
  probe: { intervalMs: number; timeoutMs: number; rise: number; fall: number };
  routesTotal: number;
  replicas: ReplicaStatus[];
  /** The replicas of --shields: probed, never routed to; empty without it. */
  shields: ReplicaStatus[];
  /** Per tier: replicas, hits, misses, hit ratio, parent and origin fetches; the origin's total. */
  tiers: TiersStatus;
  /** The regions, their replicas and the client × serving matrix; null without a topology. */
  regions: RegionsStatus | null;
}

/** Remembers when each replica entered its current state (the balancer keeps only the state). */
export class StateSince {
  private readonly since = new Map<string, number>();

  constructor(private readonly startedAt: number) {}

  changed(id: string, at: number): void {
    this.since.set(id, at);
  }

  added(id: string, at: number): void {
    if (!this.since.has(id)) this.since.set(id, at);
  }

  removed(id: string): void {
    this.since.delete(id);
  }

  of(id: string): number {
    return this.since.get(id) ?? this.startedAt;
  }
}

function advertisedId(view: ReplicaView): string | null {
  const advertised = view.load?.advertised;
  return advertised ? endpointId(advertised.host, advertised.port) : null;
}

export function replicaStatus(
  balancer: BalancerHandle,
  since: StateSince,
  view: ReplicaView,
  shield = false,
): ReplicaStatus {
  return {
    id: view.id,
    host: view.host,
    port: view.port,
    state: view.state,
    region: view.region,
    tier: tierOf({ view, shield }),
    advertised: advertisedId(view),
    parents: view.load?.parents ?? [],
    since: since.of(view.id),
    adminDrained: !shield && balancer.isAdminDrained(view.id),
    rttEwmaMs: view.rttEwmaMs,
    peakEwmaMs: view.peakEwmaMs,
    lossPercent: view.lossPercent,
    inflight: view.inflight,
    load: view.load,
    faults: view.load?.faults ?? [],
    routes: shield ? 0 : balancer.routesTo(view.id),
  };
}

/** The tiers block of /status and of the summaries, over views taken once. */
export function tiersOf(
  balancer: BalancerHandle,
  views: readonly ReplicaView[],
  shields: readonly ReplicaView[],
  recent?: RecentTiers,
): TiersStatus {
  return tiersStatus(
    tieredViews(views, shields),
    balancer.settings.shieldsFile !== null,
    recent ? (tier) => recent.of(tier) : undefined,
  );
}

export function balancerStatus(
  balancer: BalancerHandle,
  since: StateSince,
  recent?: RecentTiers,
): BalancerStatus {
  const { settings } = balancer;
  const views = balancer.snapshot();
  const shields = balancer.shields();
  return {
    role: 'balancer',
    id: balancer.endpoint.id,
    startedAt: balancer.startedAt,
    strategy: balancer.strategy,
    strategies: strategyNamesFor(balancer.regions !== null),
    probe: {
      intervalMs: settings.probeIntervalMs,
      timeoutMs: settings.probeTimeoutMs,
      rise: settings.rise,
      fall: settings.fall,
    },
    routesTotal: balancer.routesTotal,
    replicas: views.map((view) => replicaStatus(balancer, since, view)),
    shields: shields.map((view) => replicaStatus(balancer, since, view, true)),
    tiers: tiersOf(balancer, views, shields, recent),
    regions: balancer.regions ? regionsStatus(balancer.regions, views) : null,
  };
}
