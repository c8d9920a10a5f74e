import type { EventEmitter } from 'node:events';
import type { Dialect, ErrorCode } from '@cdn-lab/protocol';

export type ServedDialect = Exclude<Dialect, 'unknown'>;

export interface ConnectionEvent {
  peer: string;
}

/** A connection whose address the topology's coverage zone places in a region. */
export interface ClientRegionEvent {
  peer: string;
  /** The client's region; its link to this replica's region now carries what is sent. */
  region: string;
}

export interface ConnectionRefusedEvent {
  peer: string;
  /** null when the connection said nothing recognisable before it was refused. */
  dialect: Dialect | null;
}

export interface RequestEvent {
  path: string;
  offset: number;
  peer: string;
  dialect: ServedDialect;
}

export interface TransferEndEvent {
  path: string;
  /** Object bytes written to the client, also when the transfer failed partway. */
  bytes: number;
  ms: number;
  ok: boolean;
  dialect: ServedDialect;
  /** Why it failed, when it did. */
  reason?: string;
  /** The request error's code, when the failure had one. */
  code?: ErrorCode;
}

export interface OriginFetchEvent {
  path: string;
  url: string;
  /** Asked with the cached copy's validators (a revalidation). */
  conditional: boolean;
}

export interface ParentFetchEvent {
  path: string;
  /** The parent asked (its id). */
  parent: string;
  conditional: boolean;
}

export interface DrainDoneEvent {
  /** True when transfers were still running at the drain timeout and were cut. */
  forced: boolean;
}

/** What a replica tells tests and embedders, in the order a request sees them. */
export interface ReplicaEvents {
  connection: [ConnectionEvent];
  'client-region': [ClientRegionEvent];
  'connection-refused': [ConnectionRefusedEvent];
  request: [RequestEvent];
  'transfer-start': [RequestEvent];
  'transfer-end': [TransferEndEvent];
  'origin-fetch': [OriginFetchEvent];
  'parent-fetch': [ParentFetchEvent];
  'drain-start': [];
  'drain-done': [DrainDoneEvent];
}

export type ReplicaEventEmitter = EventEmitter<ReplicaEvents>;
