export {
  startBalancer,
  type BalancerEvents,
  type BalancerHandle,
  type NoReplicaEvent,
  type ProbeEvent,
  type ReplicaStateEvent,
  type RouteEvent,
  type StrategyEvent,
} from './balancer.js';
export type { BalancerStatus, ReplicaStatus } from './admin/status.js';
export {
  Discovery,
  type DiscoveredReplica,
  type DiscoveryOptions,
  type ReplicaSetChange,
  type ResolveAll,
} from './discovery.js';
export {
  ReplicaHealth,
  LOSS_WINDOW,
  PASSIVE_WINDOW,
  type HealthThresholds,
  type StateChange,
} from './health.js';
export {
  BALANCER_DEFAULTS,
  checkStrategyName,
  resolveBalancerOptions,
  type BalancerOptions,
  type ResolvedBalancerOptions,
} from './options.js';
export { Prober, type ProbeListener, type ProbeTarget, type ProbeTiming } from './prober.js';
export {
  DEFAULT_LEGACY_SILENCE_MS,
  RouteServer,
  type Decide,
  type RouteAnswer,
  type RouteDialect,
  type RouteRequestInfo,
  type RouteServerOptions,
} from './dialects/route-server.js';
export { parseRouteTarget, replicaUrl } from './dialects/http-routes.js';
export * from './strategies/index.js';
