import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError, openEventLog } from '@cdn-lab/common';
import type { Endpoint, LoadReport } from '@cdn-lab/protocol';
import { ObjectStore } from './object-store.js';
import {
  TargetResolver,
  parseOriginUrl,
  resolveDefaultObject,
  type ObjectTarget,
} from './object-path.js';
import { DEFAULTS, DEFAULT_OBJECT_RETRY_DELAYS_MS, type ReplicaOptions } from './options.js';
import { RequestError } from './request-error.js';
import { ReplicaServer } from './server.js';

export type { ReplicaOptions } from './options.js';
export { DEFAULTS as REPLICA_DEFAULTS } from './options.js';
export { normalizeObjectPath } from './object-path.js';

/**
 * Events for tests and embedders: 'connection' {peer} (any dialect, before sniffing),
 * 'request' {path, offset, peer, dialect?}, 'transfer-start' {path, offset, peer},
 * 'transfer-end' {path, bytes, ms, ok}, 'origin-fetch' {path, url, conditional},
 * 'drain-start', 'drain-done'. HTTP and legacy transfers emit them like native ones.
 */
export interface ReplicaHandle {
  endpoint: Endpoint;
  events: EventEmitter;
  /** Graceful stop: finish transfers in flight (at most drainTimeoutMs), then close. */
  drain(): Promise<void>;
  /** Immediate stop. */
  close(): Promise<void>;
  loadReport(): LoadReport;
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
  const events = new EventEmitter();
  const store = new ObjectStore({
    cacheBytes: options.cacheBytes ?? DEFAULTS.cacheBytes,
    ttlMs: options.ttlMs ?? DEFAULTS.ttlMs,
    originTimeoutMs: options.originTimeoutMs ?? DEFAULTS.originTimeoutMs,
    log,
    events,
  });
  const server = new ReplicaServer(store, new TargetResolver(origin, defaultTarget), log, events);
  try {
    if (defaultTarget) await loadDefaultObject(store, defaultTarget);
    const endpoint = await server.listen(
      options.host ?? DEFAULTS.host,
      options.port ?? DEFAULTS.port,
    );
    return {
      endpoint,
      events,
      drain: () => server.drain(drainTimeoutMs),
      close: () => server.close(),
      loadReport: () => server.loadReport(),
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
