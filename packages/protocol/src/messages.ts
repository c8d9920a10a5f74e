import type { ErrorCode } from './errors.js';

/** Where a replica listens. `id` is `host:port` (IPv6 hosts in brackets). */
export interface Endpoint {
  id: string;
  host: string;
  port: number;
}

/** What a replica says about itself in every probe answer. */
export interface LoadReport {
  activeTransfers: number;
  activeConnections: number;
  bytesPerSecond: number;
  eventLoopLagMs: number;
  draining: boolean;
  cachedObjects: number;
  cachedBytes: number;
  /**
   * Requests this replica failed through its own fault since it started (internal errors,
   * transfers it broke off), and requests it completed. Absent: an older replica. The balancer
   * reads the change between reports for its passive health check.
   */
  transfersFailed?: number;
  transfersOk?: number;
  /** Names of the faults injected into the replica right now (absent: none; older replicas). */
  faults?: string[];
  /**
   * Recent time from a request to its first byte (ms, smoothed, fading while idle); it includes
   * what probes cannot see, like a slow disk or an injected delay. Absent: older replicas.
   */
  responseMs?: number;
  /** The region the replica serves in, when a topology gives the lab regions. */
  region?: string;
  /**
   * Per client region, what this replica served: requests since it started and the median time
   * from a request to its first byte leaving (ms, the emulated distance included) over recent
   * requests. Absent: no topology, or an older replica.
   */
  clientRegions?: ClientRegionServed[];
  /** The cache tier the replica is in (`edge`, `shield`, …): a label, like the region. */
  tier?: string;
  /**
   * Counted since start: requests served from the cache (`hits`), requests that were not
   * (`misses`), fetches from a parent (`parentFetches`) and from the origin itself
   * (`originFetches`). Absent: an older replica.
   */
  hits?: number;
  misses?: number;
  parentFetches?: number;
  originFetches?: number;
  /** The replica's parents (a cache tier above it) and whether it asks them now. */
  parents?: ParentReport[];
  /**
   * Where clients outside the replica's network reach it (a port published on a swarm node, a
   * pod IP), when that is not the address the balancer probes. Absent: none, or an older replica.
   */
  advertised?: AdvertisedAddress;
}

/** A host (IP address or DNS name, IPv6 without brackets) and a port, as a replica advertises it. */
export interface AdvertisedAddress {
  host: string;
  port: number;
}

/** A parent as its child sees it: `up`, or `failed` (not asked until it is tried again). */
export interface ParentReport {
  id: string;
  state: 'up' | 'failed';
}

/** One row of a replica's client-region report. */
export interface ClientRegionServed {
  region: string;
  requests: number;
  ttfbMs: number;
}

/** How a replica got the bytes it is sending. */
export type CacheStatus = 'hit' | 'miss' | 'revalidated' | 'stale';

/** Client → balancer: which replica should serve this path (null: the default object). */
export interface RouteMessage {
  type: 'route';
  path: string | null;
  /** The client's own region, which overrides where its address places it. Absent: no hint. */
  region?: string;
}

/** Balancer → client: the best replica and up to two distinct alternates, in order. */
export interface RouteOkMessage {
  type: 'route-ok';
  best: Endpoint;
  alternates: Endpoint[];
  strategy: string;
  reason: string;
}

/** Client → replica: send this object (null path: the default object) from a byte offset. */
export interface GetMessage {
  type: 'get';
  path: string | null;
  offset: number;
  /**
   * Cache tiers the request has passed through already (absent: 0, a client). A replica
   * refuses a request over its maximum with `loop_detected`.
   */
  hops?: number;
}

/**
 * Replica → client, before the data frames. `size` is the whole object's size; the data that
 * follows starts at `offset`. `sha256` is the whole object's digest when the replica knows it
 * already: its own for a cached object, otherwise the origin's (which the replica checks before
 * `end`); null when neither is known yet. The end frame always carries it.
 */
export interface ObjectMessage {
  type: 'object';
  path: string;
  size: number;
  offset: number;
  etag: string | null;
  sha256: string | null;
  cache: CacheStatus;
  servedBy: string;
  /**
   * The digest the origin announced for the object (its Repr-Digest), when it sent one. Absent:
   * an origin without digests, or an older replica.
   */
  originSha256?: string;
}

export interface DataMessage {
  type: 'data';
  bytes: Buffer;
}

/**
 * Replica → client after the last data frame: the digest of the whole object as the replica
 * computed it, and the origin's (Repr-Digest), which it matched, when the origin sent one.
 */
export interface EndMessage {
  type: 'end';
  size: number;
  sha256: string;
  originSha256?: string;
}

export interface PingMessage {
  type: 'ping';
  seq: number;
}

export interface PongMessage {
  type: 'pong';
  seq: number;
  load: LoadReport;
}

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

export type Message =
  | RouteMessage
  | RouteOkMessage
  | GetMessage
  | ObjectMessage
  | DataMessage
  | EndMessage
  | PingMessage
  | PongMessage
  | ErrorMessage;

export type MessageType = Message['type'];
