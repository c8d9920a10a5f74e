import type { ErrorMessage, RouteOkMessage } from '@cdn-lab/protocol';
import type { ReplicaView } from '../strategies/index.js';

export type RouteAnswer = RouteOkMessage | ErrorMessage;

export type RouteDialect = 'native' | 'http' | 'legacy';

/** Who asks, and which replicas that client could reach (default: all). */
export interface RouteRequestInfo {
  dialect: RouteDialect;
  reachable?: (replica: ReplicaView) => boolean;
  /** The client's own region, which overrides its address's zone when it names one. */
  region?: string;
}

/** Decides one route request, synchronously, so answers leave in request order. */
export type Decide = (path: string | null, peer: string, info: RouteRequestInfo) => RouteAnswer;
