import type { LoadReport } from '@cdn-lab/protocol';

/** unknown: not probed yet; draining: answers probes but is finishing its work, never routed. */
export type ReplicaState = 'unknown' | 'up' | 'down' | 'draining';

/** What a strategy knows about one replica: a frozen copy of the prober's latest numbers. */
export interface ReplicaView {
  id: string;
  host: string;
  port: number;
  state: ReplicaState;
  /** Smoothed probe round trip; 0 until the first answer. */
  rttEwmaMs: number;
  /** Jumps to a new high at once, decays slowly towards lower samples; 0 until the first answer. */
  peakEwmaMs: number;
  /** Failed probes among the last 20, in percent. */
  lossPercent: number;
  load: LoadReport | null;
  /** Transfers the replica last reported plus routes sent to it since that report. */
  inflight: number;
  /**
   * Routes sent recently, fading with the replica's latency: an estimate of those still in
   * flight that does not grow between probes. Absent: use inflight.
   */
  recentRoutes?: number;
  /** The region its latest pong reported; null: none reported (no topology, or an older replica). */
  region: string | null;
}

/** Where a client is, when the balancer has a topology (see regions/placement.ts). */
export interface ClientPlacement {
  region: string;
  /** The regions from the client's own outward by the topology's one-way delays. */
  regionOrder: readonly string[];
  /** How the region was chosen, as a reason's first words: "zone 127.1.0.0/16 → eu". */
  why: string;
}

export interface RouteRequest {
  /** null asks for the replica's default object. */
  path: string | null;
  /** The client's region; absent without a topology. */
  placement?: ClientPlacement;
  /**
   * How many of `ordered` the caller uses: a strategy may stop ordering after that many (the
   * balancer takes the best and its alternates). Absent: order them all.
   */
  wanted?: number;
}

/** Everything non-deterministic comes in here, so a strategy is a pure function. */
export interface StrategyContext {
  /** Increases by one for every decision the balancer makes. */
  sequence: number;
  /** Uniform in [0, 1). */
  random: () => number;
}

export interface RouteChoice {
  /** Routable replicas, best first (the first `wanted` of them). Empty when none is routable. */
  ordered: ReplicaView[];
  reason: string;
}

export type Strategy = (
  replicas: readonly ReplicaView[],
  request: RouteRequest,
  ctx: StrategyContext,
) => RouteChoice;

export function isRoutable(replica: ReplicaView): boolean {
  return replica.state === 'up';
}

/** The routable ones; the list itself when all are (the balancer passes only those). */
export function routableOf(replicas: readonly ReplicaView[]): readonly ReplicaView[] {
  for (const replica of replicas) {
    if (!isRoutable(replica)) return replicas.filter(isRoutable);
  }
  return replicas;
}

export const NO_ROUTABLE: RouteChoice = { ordered: [], reason: 'no replica is up' };

/** In flight by the best estimate there is: the fading recent routes when known. */
export function inflightEstimate(replica: ReplicaView): number {
  // Read once: on a live view it is a getter computing the fading count (an exp).
  const recent = replica.recentRoutes;
  return recent === undefined ? replica.inflight : (replica.load?.activeTransfers ?? 0) + recent;
}

/** Rounds for reasons people read: 12.345 -> "12.3". */
export function fmt(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
}
