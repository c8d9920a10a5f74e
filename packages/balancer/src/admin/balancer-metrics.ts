import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProbeEvent, ReplicaStateEvent, RouteEvent } from '../balancer-events.js';
import type { BalancerHandle } from '../balancer-handle.js';

const RTT_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export interface BalancerMetrics {
  registry: Registry;
  /** Stops counting (the listeners come off the balancer's events). */
  detach(): void;
}

/** This balancer's Prometheus registry, fed by its events; replica_up is read at scrape time. */
export function balancerMetrics(balancer: BalancerHandle): BalancerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const routes = new Counter({
    name: 'cdn_balancer_routes_total',
    help: 'Route answers sent, by chosen replica, strategy and client dialect',
    labelNames: ['replica', 'strategy', 'dialect'] as const,
    registers,
  });
  const transitions = new Counter({
    name: 'cdn_balancer_state_transitions_total',
    help: 'Replica state changes',
    labelNames: ['replica', 'from', 'to'] as const,
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
    labelNames: ['replica'] as const,
    buckets: RTT_BUCKETS_S,
    registers,
  });
  new Gauge({
    name: 'cdn_balancer_replica_up',
    help: '1 when the replica is up (routable state), else 0',
    labelNames: ['replica'] as const,
    registers,
    collect() {
      this.reset();
      for (const view of balancer.snapshot()) {
        this.set({ replica: view.id }, view.state === 'up' ? 1 : 0);
      }
    },
  });

  const { events } = balancer;
  const onRoute = (event: RouteEvent): void =>
    routes.inc({ replica: event.best.id, strategy: event.strategy, dialect: event.dialect });
  const onState = (event: ReplicaStateEvent): void =>
    transitions.inc({ replica: event.id, from: event.from, to: event.to });
  const onNoReplica = (): void => noReplica.inc();
  const onProbe = (event: ProbeEvent): void =>
    probeRtt.observe({ replica: event.id }, event.rttMs / 1000);
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
