import type { Socket } from 'node:net';
import type { ConnectionLimits, Logger, RequestLogGate } from '@cdn-lab/common';
import type { LoadReport } from '@cdn-lab/protocol';
import type { ObjectStore } from '../cache/object-store.js';
import type { TargetResolver } from '../cache/object-path.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import type { ReplicaEventEmitter } from '../replica-events.js';
import type { ServedClient } from '../regions/served-client.js';
import type { LoadMeter } from './load-meter.js';

/** What every connection, of any dialect, shares with the server. */
export interface ConnectionContext {
  log: Logger;
  /** Whether a request's own lines (request, transfer-done, not-found) are written. */
  requestLog: RequestLogGate;
  events: ReplicaEventEmitter;
  store: ObjectStore;
  resolver: TargetResolver;
  meter: LoadMeter;
  faults: FaultInjector;
  limits: ConnectionLimits;
  servedBy(): string;
  /** Requests that passed through this many caches or more are refused (--max-hops). */
  maxHops: number;
  /** Whether this id is one of the replica's parents (a request through it is a cycle). */
  isParent(id: string): boolean;
  /** The client region and link of a connection, when a topology places its address. */
  clientOf(socket: Socket): ServedClient | null;
  isDraining(): boolean;
  loadReport(): LoadReport;
  transferStarted(): void;
  transferEnded(): void;
  /** A request finished: null when it succeeded, else why it failed. */
  requestOutcome(error: unknown): void;
}
