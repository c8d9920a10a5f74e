export { startBalancer } from './balancer.js';
export type {
  BalancerEvents,
  NoReplicaEvent,
  ProbeEvent,
  ProbeFailedEvent,
  ReplicaStateEvent,
  RouteEvent,
  StrategyEvent,
} from './balancer-events.js';
export type { BalancerHandle } from './balancer-handle.js';
export type { BalancerStatus, ReplicaStatus } from './admin/status.js';
export {
  Discovery,
  type DiscoveredReplica,
  type DiscoveryOptions,
  type ReplicaSetChange,
  type ResolveAll,
} from '@cdn-lab/common';
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
export { FULL_RATE_ATTEMPTS, probeRetryDelayMs } from './probe-backoff.js';
export { RouteServer, type RouteServerOptions } from './dialects/route-server.js';
export type {
  CandidateFilter,
  ClientAddress,
  Decide,
  LocalEnd,
  RouteAnswer,
  RouteDialect,
  RouteRequestInfo,
} from './routing/route-types.js';
export {
  ClientSide,
  ClientSides,
  INTERFACES_REFRESH_MS,
  type ClientSidesOptions,
  type InterfaceTable,
} from './routing/client-side.js';
export { parseRouteTarget, replicaUrl } from './dialects/http-routes.js';
export * from './strategies/index.js';
export { RegionMap } from './regions/region-map.js';
export {
  peerAddress,
  placeClient,
  type Placement,
  type PlacementRule,
} from './regions/placement.js';
export type { ExplainedReplica, Explanation } from './routing/explanation.js';
export {
  regionsStatus,
  weightedMedian,
  type RegionCell,
  type RegionSummary,
  type RegionsStatus,
} from './admin/regions-status.js';
export {
  EDGE_TIER,
  SHIELD_TIER,
  tiersStatus,
  tierOf,
  type RecentTierCounters,
  type TierCounters,
  type TierSummary,
  type TieredView,
  type TiersStatus,
} from './admin/tiers-status.js';
export { RecentTiers, RECENT_TIER_SPAN_MS } from './admin/recent-tiers.js';
