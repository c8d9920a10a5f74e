import type { LoadReport } from '@cdn-lab/protocol';
import type { BalancerHandle } from '../balancer-handle.js';
import { regionsStatus, type RegionsStatus } from './regions-status.js';
import { STRATEGY_NAMES, type ReplicaState, type ReplicaView } from '../strategies/index.js';

export interface ReplicaStatus {
  id: string;
  host: string;
  port: number;
  state: ReplicaState;
  /** The region its pongs report; null: none (no topology, or not said yet). */
  region: string | null;
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
  /** Routes sent to it since the balancer started. */
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

export function replicaStatus(
  balancer: BalancerHandle,
  since: StateSince,
  view: ReplicaView,
): ReplicaStatus {
  return {
    id: view.id,
    host: view.host,
    port: view.port,
    state: view.state,
    region: view.region,
    since: since.of(view.id),
    adminDrained: balancer.isAdminDrained(view.id),
    rttEwmaMs: view.rttEwmaMs,
    peakEwmaMs: view.peakEwmaMs,
    lossPercent: view.lossPercent,
    inflight: view.inflight,
    load: view.load,
    faults: view.load?.faults ?? [],
    routes: balancer.routesTo(view.id),
  };
}

export function balancerStatus(balancer: BalancerHandle, since: StateSince): BalancerStatus {
  const { settings } = balancer;
  const views = balancer.snapshot();
  return {
    role: 'balancer',
    id: balancer.endpoint.id,
    startedAt: balancer.startedAt,
    strategy: balancer.strategy,
    strategies: [...STRATEGY_NAMES],
    probe: {
      intervalMs: settings.probeIntervalMs,
      timeoutMs: settings.probeTimeoutMs,
      rise: settings.rise,
      fall: settings.fall,
    },
    routesTotal: balancer.routesTotal,
    replicas: views.map((view) => replicaStatus(balancer, since, view)),
    regions: balancer.regions ? regionsStatus(balancer.regions, views) : null,
  };
}
