import type { Endpoint } from '@cdn-lab/protocol';
import type { ReplicaSetChange } from '@cdn-lab/common';
import type { RouteDialect } from './routing/route-types.js';
import type { ReplicaState, StrategyName } from './strategies/index.js';

export interface RouteEvent {
  path: string | null;
  /** The addresses the client was given: probed, or advertised to a client outside. */
  best: Endpoint;
  /** The id of the replica chosen (its id in /status), whichever address the client got. */
  replica: string;
  alternates: Endpoint[];
  strategy: StrategyName;
  reason: string;
  /** Which kind of client asked: native frames, HTTP, or the original (legacy) client. */
  dialect: RouteDialect;
  /** Where the client was placed, and the chosen replica's region; null without regions. */
  clientRegion: string | null;
  region: string | null;
  at: number;
}

export interface ReplicaStateEvent {
  id: string;
  from: ReplicaState;
  to: ReplicaState;
  reason: string;
  /** The region the replica last reported; null: none. */
  region: string | null;
  at: number;
}

export interface NoReplicaEvent {
  path: string | null;
  known: number;
  at: number;
}

export interface StrategyEvent {
  strategy: StrategyName;
  at: number;
}

export interface ProbeEvent {
  id: string;
  /** The round trip of an answered probe. */
  rttMs: number;
  /** The region the answer reported; null: none. */
  region: string | null;
}

export interface ProbeFailedEvent {
  id: string;
  /** Why: refused, unreachable, timed out, closed, no pong in time. */
  reason: string;
}

export interface BalancerEvents {
  route: [RouteEvent];
  'replica-state': [ReplicaStateEvent];
  replicas: [ReplicaSetChange];
  /** The same for the replicas of --shields (never routed to): their states and their set. */
  'shield-state': [ReplicaStateEvent];
  shields: [ReplicaSetChange];
  'no-replica': [NoReplicaEvent];
  strategy: [StrategyEvent];
  probe: [ProbeEvent];
  'probe-failed': [ProbeFailedEvent];
}
