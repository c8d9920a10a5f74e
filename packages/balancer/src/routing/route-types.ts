import type { Endpoint, ErrorMessage, RouteOkMessage } from '@cdn-lab/protocol';
import type { ReplicaView } from '../strategies/index.js';

export type RouteAnswer = RouteOkMessage | ErrorMessage;

export type RouteDialect = 'native' | 'http' | 'legacy';

/** An address a client is given: a replica's probed one, or the one it advertises. */
export type ClientAddress = Pick<Endpoint, 'host' | 'port'>;

/** The balancer's end of a client connection (a Socket is one). */
export interface LocalEnd {
  readonly localAddress?: string;
}

/** Who asks, and which replicas that client could reach (default: all). */
export interface RouteRequestInfo {
  dialect: RouteDialect;
  /** Which addresses this client can connect to, asked of the address it would be given. */
  reachable?: (address: ClientAddress) => boolean;
  /** The client's own region, which overrides its address's zone when it names one. */
  region?: string;
  /**
   * The connection asked on: the balancer's address of it says which network the client is on
   * (routing/client-side.ts). Absent: every replica's probed address, as for an inside client.
   */
  connection?: LocalEnd;
}

/** What one decision may choose among: the replicas a filter keeps, for a region hint. */
export interface CandidateFilter {
  reachable?: (replica: ReplicaView) => boolean;
  /**
   * The candidates among the routable replicas, when they can be cached (a client side's):
   * `version` changes whenever the list or what decides `reachable` does. Default: the
   * routable replicas `reachable` keeps.
   */
  among?: (routable: readonly ReplicaView[], version: number) => readonly ReplicaView[];
  region?: string;
}

/** Decides one route request, synchronously, so answers leave in request order. */
export type Decide = (path: string | null, peer: string, info: RouteRequestInfo) => RouteAnswer;
