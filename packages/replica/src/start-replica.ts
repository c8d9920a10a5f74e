import { EventEmitter } from 'node:events';
import { RequestLogGate, endpointId, openEventLog, type AdminServer } from '@cdn-lab/common';
import { advertisedHost } from './advertised-host.js';
import { startReplicaAdmin } from './admin/replica-admin.js';
import { loadDefaultObject } from './cache/default-object.js';
import { ObjectStore } from './cache/object-store.js';
import {
  TargetResolver,
  originUrlFor,
  parseOriginUrl,
  resolveDefaultObject,
  type ObjectTarget,
} from './cache/object-path.js';
import { OriginClient } from './cache/origin-client.js';
import { ParentTier } from './cache/parent-tier.js';
import { Upstream } from './cache/upstream.js';
import { FaultInjector } from './faults/fault-injector.js';
import { resolveReplicaOptions, type ReplicaOptions } from './options.js';
import type { ReplicaHandle, ReplicaStatus } from './replica-handle.js';
import type { ReplicaEventEmitter } from './replica-events.js';
import { ReplicaServer } from './server/replica-server.js';
import { RegionLinks } from './regions/region-links.js';

/** Starts a replica: loads the default object (if any), then listens. */
export async function startReplica(given: ReplicaOptions = {}): Promise<ReplicaHandle> {
  const options = resolveReplicaOptions(given);
  const ownLog = options.log ?? openEventLog('replica', undefined).log;
  // Every line names the region, so the logs of a regions lab can be read together.
  const log = options.region !== null ? ownLog.child({ region: options.region }) : ownLog;
  const links =
    options.topology && options.region !== null
      ? new RegionLinks(options.topology, options.region)
      : null;
  const origin = options.origin ? parseOriginUrl(options.origin) : null;
  const defaultTarget = options.defaultObject
    ? resolveDefaultObject(options.defaultObject, origin)
    : null;
  const events: ReplicaEventEmitter = new EventEmitter();
  // Until it listens (the default object is fetched first), its id is what it will listen on.
  let selfId = endpointId(advertisedHost(options.host), options.port);
  const parents = options.parents
    ? new ParentTier({
        parentsFile: options.parents,
        defaultPort: options.port,
        reloadIntervalMs: options.parentsReloadMs,
        timeoutMs: options.parentTimeoutMs,
        log,
        say: given.say,
        linkTo: (address) => links?.linkToReplicaAt(address) ?? null,
        selfId: () => selfId,
      })
    : null;
  const upstream = new Upstream({
    origin: new OriginClient(
      options.originTimeoutMs,
      options.originRedirects,
      links?.originLink ?? null,
    ),
    parents,
    // Parents serve paths under their origin; a default object elsewhere comes from its URL.
    underOrigin: (target: ObjectTarget) => origin !== null && isUnder(origin, target),
    originRetries: options.originRetries,
    selfId: () => selfId,
    log,
    say: given.say,
    events,
  });
  const store = new ObjectStore({ ...options, log, events, upstream });
  const faults = new FaultInjector(log);
  if (Object.keys(options.faults).length > 0) faults.merge(options.faults);
  const server = new ReplicaServer({
    store,
    resolver: new TargetResolver(origin, defaultTarget, options.query),
    log,
    events,
    faults,
    limits: options.limits,
    requestLog: new RequestLogGate(log, options.logRequests),
    region: options.region,
    links,
    maxHops: options.maxHops,
    advertised: options.advertise,
    isParent: (id) => parents?.has(id) ?? false,
    tierReport: () => {
      const { hits, misses, parentFetches, originFetches } = store.counters;
      return {
        tier: options.tier,
        hits,
        misses,
        parentFetches,
        originFetches,
        ...(parents ? { parents: parents.report() } : {}),
      };
    },
  });
  const startedAt = Date.now();
  let admin: AdminServer | null = null;
  try {
    await parents?.start();
    if (defaultTarget) await loadDefaultObject(store, defaultTarget);
    const endpoint = await server.listen(options.host, options.port);
    selfId = endpoint.id;
    const status = (): ReplicaStatus => ({
      role: 'replica',
      id: endpoint.id,
      region: options.region,
      tier: options.tier,
      ...(links ? { topology: links.topology.source } : {}),
      startedAt,
      origin: options.origin,
      defaultObject: options.defaultObject,
      load: server.loadReport(),
      cache: {
        objects: store.cachedObjects,
        bytes: store.cachedBytes,
        usedBytes: store.usedBytes,
        capacityBytes: store.capacityBytes,
        ...store.counters,
      },
      parentsFile: options.parents,
      parents: parents?.rows() ?? [],
      faults: faults.current,
      http: { fastAnswers: server.httpFastAnswers },
    });
    if (options.admin) {
      // Loaded only for an admin port: prom-client is 6 MB of resident memory nothing else needs.
      const { replicaMetrics } = await import('./admin/replica-metrics.js');
      const registry = replicaMetrics({
        counters: () => store.counters,
        parents: () => parents?.rows() ?? [],
        bytesSent: () => server.meter.totalBytes,
        cachedBytes: () => store.cachedBytes,
        usedBytes: () => store.usedBytes,
        activeTransfers: () => server.loadReport().activeTransfers,
        bytesPerSecond: () => server.meter.bytesPerSecond(),
        httpFastAnswers: () => server.httpFastAnswers,
        region: options.region,
        tier: options.tier,
        clientRegions: links?.stats ?? null,
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
        await server.drain(options.drainTimeoutMs);
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

function isUnder(origin: URL, target: ObjectTarget): boolean {
  try {
    return originUrlFor(origin, target.path) === target.url;
  } catch {
    return false;
  }
}
