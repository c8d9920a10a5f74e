import type { EventEmitter } from 'node:events';
import type { AdminServer } from '@cdn-lab/common';
import type { Endpoint } from '@cdn-lab/protocol';
import type { BalancerEvents } from './balancer-events.js';
import type { ResolvedBalancerOptions } from './options.js';
import type { RegionMap } from './regions/region-map.js';
import type { Explanation } from './routing/explanation.js';
import type { ReplicaView, StrategyName } from './strategies/index.js';

export interface BalancerHandle {
  /** Where it listens (the real port when 0 was asked for). */
  endpoint: Endpoint;
  events: EventEmitter<BalancerEvents>;
  /** Every known replica (all states), sorted by id. */
  snapshot(): ReplicaView[];
  /** Every shield of --shields (all states), sorted by id; empty without it. Never routed to. */
  shields(): ReplicaView[];
  readonly strategy: StrategyName;
  /** Switches the routing strategy at once; a UserError for an unknown name. */
  setStrategy(name: string): void;
  /** When it started (epoch ms) and the settings it runs with. */
  readonly startedAt: number;
  readonly settings: ResolvedBalancerOptions;
  /** The topology's regions and coverage zone; null without a topology. */
  readonly regions: RegionMap | null;
  /**
   * What a route from `client` (an IP address) for `path` would get now, and why, without
   * routing: nothing is counted, logged or sent. `hint`: the client's region hint, if any.
   * `local`: the balancer's address the client connects to (default: the client's subnet's).
   */
  explain(client: string, path: string, hint: string | null, local?: string | null): Explanation;
  /** An admin-drained replica gets no routes until undrained. False: no such replica. */
  setAdminDrained(id: string, drained: boolean): boolean;
  isAdminDrained(id: string): boolean;
  /** Routes sent since start, in all and per replica id. */
  readonly routesTotal: number;
  routesTo(id: string): number;
  /** The admin HTTP server, when options.admin was given. */
  readonly admin: AdminServer | null;
  /** Stops accepting, answers what was received, closes connections, stops probing. */
  close(): Promise<void>;
}
