import type { AdminServer, Faults } from '@cdn-lab/common';
import type { Endpoint, LoadReport } from '@cdn-lab/protocol';
import type { FaultInjector } from './faults/fault-injector.js';
import type { ParentRow } from './cache/parent-tier.js';
import type { ReplicaEventEmitter } from './replica-events.js';

/** A running replica, for tests and embedders; `events` says what it does (ReplicaEvents). */
export interface ReplicaHandle {
  endpoint: Endpoint;
  events: ReplicaEventEmitter;
  /** Graceful stop: finish transfers in flight (at most drainTimeoutMs), then close. */
  drain(): Promise<void>;
  /** Immediate stop. */
  close(): Promise<void>;
  loadReport(): LoadReport;
  /** The admin HTTP server (url ends in "/"), when options.admin was given. */
  admin: AdminServer | null;
  /** The faults in force; merge() / clear() change them like the admin API does. */
  faults: FaultInjector;
  /** The status object of GET /status. */
  status(): ReplicaStatus;
}

export interface ReplicaStatus {
  role: 'replica';
  id: string;
  /** The region it serves in (--region), or null. Per client region: load.clientRegions. */
  region: string | null;
  /** The cache tier it is in (--tier): `edge` unless told. */
  tier: string;
  /** The topology file whose distances it emulates, when given. */
  topology?: string;
  startedAt: number;
  origin: string | null;
  defaultObject: string | null;
  load: LoadReport;
  cache: {
    objects: number;
    /** The cached objects' own bytes (also load.cachedBytes). */
    bytes: number;
    /** What they count against capacityBytes: their bytes and each entry's bookkeeping. */
    usedBytes: number;
    capacityBytes: number;
    hits: number;
    misses: number;
    evictions: number;
    /** Requests to a parent, failed ones included. */
    parentFetches: number;
    /** Requests to the origin itself, fallbacks included. */
    originFetches: number;
    /** Misses no parent answered, so the origin was asked. */
    originFallbacks: number;
    /** A parent failed and the next one, or the origin, was asked. */
    parentFailovers: number;
  };
  /** The parents file (--parents), or null. */
  parentsFile: string | null;
  /** Each parent and its health, in no particular order ([] without parents). */
  parents: ParentRow[];
  faults: Faults;
  http: {
    /** GETs of whole cached objects answered by the fast path (see docs/architecture.md). */
    fastAnswers: number;
  };
}
