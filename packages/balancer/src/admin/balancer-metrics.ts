import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProbeEvent, ReplicaStateEvent, RouteEvent } from '../balancer-events.js';
import type { BalancerHandle } from '../balancer-handle.js';
import { registerTierMetrics } from './tier-metrics.js';

const RTT_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface BalancerMetrics {
  registry: Registry;
  /** Stops counting (the listeners come off the balancer's events). */
  detach(): void;
}

type Labels = Record<string, string>;

/**
 * This balancer's Prometheus registry, fed by its events; replica_up is read at scrape time.
 * With a topology the per-replica series carry a `region` label (the region the replica
 * reports, "" while it reports none) and routes are also counted by client and serving region;
 * without one the series are as they were before regions.
 */
export function balancerMetrics(balancer: BalancerHandle): BalancerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const regional = balancer.regions !== null;
  const perReplica = (...names: string[]): string[] =>
    regional ? ['replica', 'region', ...names] : ['replica', ...names];
  const replicaLabels = (replica: string, region: string | null, more: Labels = {}): Labels =>
    regional ? { replica, region: region ?? '', ...more } : { replica, ...more };
  const routes = new Counter({
    name: 'cdn_balancer_routes_total',
    help: 'Route answers sent, by chosen replica, strategy and client dialect',
    labelNames: perReplica('strategy', 'dialect'),
    registers,
  });
  const transitions = new Counter({
    name: 'cdn_balancer_state_transitions_total',
    help: 'Replica state changes',
    labelNames: perReplica('from', 'to'),
    registers,
  });
  const noReplica = new Counter({
    name: 'cdn_balancer_no_replica_total',
    help: 'Route requests answered no_replica (none healthy)',
    registers,
  });
  const probeRtt = new Histogram({
    name: 'cdn_balancer_probe_rtt_seconds',
    help: 'Round trip of answered probes',
    labelNames: perReplica(),
    buckets: RTT_BUCKETS_S,
    registers,
  });
  new Gauge({
    name: 'cdn_balancer_replica_up',
    help: '1 when the replica is up (routable state), else 0',
    labelNames: perReplica(),
    registers,
    collect() {
      this.reset();
      for (const view of balancer.snapshot()) {
        this.set(replicaLabels(view.id, view.region), view.state === 'up' ? 1 : 0);
      }
    },
  });
  registerTierMetrics(balancer, registry);
  const regionRoutes = regional
    ? new Counter({
        name: 'cdn_balancer_region_routes_total',
        help: "Route answers sent, by the client's region and the chosen replica's region",
        labelNames: ['client_region', 'region'],
        registers,
      })
    : null;

  const { events } = balancer;
  const onRoute = (event: RouteEvent): void => {
    const { strategy, dialect } = event;
    routes.inc(replicaLabels(event.replica, event.region, { strategy, dialect }));
    if (regionRoutes && event.clientRegion !== null) {
      regionRoutes.inc({ client_region: event.clientRegion, region: event.region ?? '' });
    }
  };
  const onState = (event: ReplicaStateEvent): void =>
    transitions.inc(replicaLabels(event.id, event.region, { from: event.from, to: event.to }));
  const onNoReplica = (): void => noReplica.inc();
  const onProbe = (event: ProbeEvent): void =>
    probeRtt.observe(replicaLabels(event.id, event.region), event.rttMs / 1000);
  events.on('route', onRoute);
  events.on('replica-state', onState);
  events.on('no-replica', onNoReplica);
  events.on('probe', onProbe);
  return {
    registry,
    detach() {
      events.off('route', onRoute);
      events.off('replica-state', onState);
      events.off('no-replica', onNoReplica);
      events.off('probe', onProbe);
    },
  };
}
