import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, connectionLimitsOf, openEventLog, type AdminServer } from '@cdn-lab/common';
import { FaultInjector } from './faults/fault-injector.js';
import type { Endpoint, LoadReport } from '@cdn-lab/protocol';
import { ObjectStore } from './cache/object-store.js';
import {
  TargetResolver,
  parseOriginUrl,
  resolveDefaultObject,
  type ObjectTarget,
} from './cache/object-path.js';
import { DEFAULTS, DEFAULT_OBJECT_RETRY_DELAYS_MS, type ReplicaOptions } from './options.js';
import { RequestError } from './request/request-error.js';
import { startReplicaAdmin } from './admin/replica-admin.js';
import { replicaMetrics } from './admin/replica-metrics.js';
import { ReplicaServer } from './server/replica-server.js';
import type { ReplicaEventEmitter } from './replica-events.js';

export type { ReplicaOptions } from './options.js';
export { DEFAULTS as REPLICA_DEFAULTS } from './options.js';
export { normalizeObjectPath } from './cache/object-path.js';
export type { Faults, FaultName } from '@cdn-lab/common';
export { FaultInjector, INJECTED_ERROR } from './faults/fault-injector.js';
export type { CacheCounters } from './cache/object-store.js';
export type * from './replica-events.js';

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
  startedAt: number;
  origin: string | null;
  defaultObject: string | null;
  load: LoadReport;
  cache: {
    objects: number;
    bytes: number;
    capacityBytes: number;
    hits: number;
    misses: number;
    evictions: number;
    originFetches: number;
  };
  faults: ReturnType<FaultInjector['merge']>;
}

async function loadDefaultObject(store: ObjectStore, target: ObjectTarget): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const lease = await store.open(target);
      try {
        await lease.body.completed();
      } finally {
        lease.cursor.close();
      }
      return;
    } catch (error) {
      const delay = DEFAULT_OBJECT_RETRY_DELAYS_MS[attempt];
      const notFound = error instanceof RequestError && error.code === 'not_found';
      if (delay === undefined || notFound) {
        throw new UserError(`cannot fetch the default object ${target.url}: ${causeOf(error)}`);
      }
      await sleep(delay);
    }
  }
}

function causeOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // RequestErrors name the path first ("cannot fetch /x: why"); the URL is already said.
  return message.replace(/^cannot fetch [^:]*: /, '');
}

/** Starts a replica: loads the default object (if any), then listens. */
export async function startReplica(options: ReplicaOptions = {}): Promise<ReplicaHandle> {
  const log = options.log ?? openEventLog('replica', undefined).log;
  const origin = options.origin ? parseOriginUrl(options.origin) : null;
  const defaultTarget = options.defaultObject
    ? resolveDefaultObject(options.defaultObject, origin)
    : null;
  if (!origin && !defaultTarget) {
    throw new UserError('a replica needs an origin (--origin URL) or a default object (-w URL)');
  }
  const drainTimeoutMs = options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs;
  const events: ReplicaEventEmitter = new EventEmitter();
  const store = new ObjectStore({
    cacheBytes: options.cacheBytes ?? DEFAULTS.cacheBytes,
    ttlMs: options.ttlMs ?? DEFAULTS.ttlMs,
    originTimeoutMs: options.originTimeoutMs ?? DEFAULTS.originTimeoutMs,
    originTotalTimeoutMs: options.originTotalTimeoutMs ?? DEFAULTS.originTotalTimeoutMs,
    originRetries: options.originRetries ?? DEFAULTS.originRetries,
    maxObjectBytes: options.maxObjectBytes ?? DEFAULTS.maxObjectBytes,
    log,
    events,
  });
  const faults = new FaultInjector(log);
  if (options.faults) faults.merge(options.faults);
  const server = new ReplicaServer(
    store,
    new TargetResolver(origin, defaultTarget),
    log,
    events,
    faults,
    connectionLimitsOf(options.limits),
  );
  const startedAt = Date.now();
  let admin: AdminServer | null = null;
  try {
    if (defaultTarget) await loadDefaultObject(store, defaultTarget);
    const endpoint = await server.listen(
      options.host ?? DEFAULTS.host,
      options.port ?? DEFAULTS.port,
    );
    const status = (): ReplicaStatus => ({
      role: 'replica',
      id: endpoint.id,
      startedAt,
      origin: options.origin ?? null,
      defaultObject: options.defaultObject ?? null,
      load: server.loadReport(),
      cache: {
        objects: store.cachedObjects,
        bytes: store.cachedBytes,
        capacityBytes: store.capacityBytes,
        ...store.counters,
      },
      faults: faults.current,
    });
    if (options.admin) {
      const registry = replicaMetrics({
        counters: store.counters,
        bytesSent: () => server.meter.totalBytes,
        cachedBytes: () => store.cachedBytes,
        activeTransfers: () => server.loadReport().activeTransfers,
        bytesPerSecond: () => server.meter.bytesPerSecond(),
      });
      admin = await startReplicaAdmin(options.admin, { status, registry, faults, log });
    }
    const closeAdmin = async (): Promise<void> => {
      await admin?.close();
    };
    return {
      endpoint,
      events,
      admin,
      faults,
      status,
      drain: async () => {
        await server.drain(drainTimeoutMs);
        await closeAdmin();
      },
      close: async () => {
        await server.close();
        await closeAdmin();
      },
      loadReport: () => server.loadReport(),
    };
  } catch (error) {
    await admin?.close();
    await server.close();
    throw error;
  }
}
