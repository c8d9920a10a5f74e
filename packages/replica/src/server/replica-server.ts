import type { Socket } from 'node:net';
import {
  AcceptLoop,
  endpointId,
  type ConnectionLimits,
  type Logger,
  type RequestLogGate,
  type UnrecognisedStart,
} from '@cdn-lab/common';
import type { AdvertisedAddress, Endpoint, LoadReport } from '@cdn-lab/protocol';
import type { DialectHandler } from './dialect-handler.js';
import { NativeConnection } from '../native/native-connection.js';
import type { ConnectionContext } from './connection-context.js';
import type { FaultInjector } from '../faults/fault-injector.js';
import { ReplicaHttp } from '../http/http-front.js';
import { LegacyConnection } from '../legacy/legacy-connection.js';
import { advertisedHost } from '../advertised-host.js';
import { LoadMeter } from './load-meter.js';
import type { ReplicaEventEmitter } from '../replica-events.js';
import { isReplicaFault } from '../request/request-error.js';
import type { ObjectStore } from '../cache/object-store.js';
import type { TargetResolver } from '../cache/object-path.js';
import type { RegionLinks } from '../regions/region-links.js';

/** Lets a few cached chunks queue per socket before write() asks the sender to wait. */
const SOCKET_HIGH_WATER = 512 * 1024;
/** After a drain, how long connections get to close on their own before they are cut. */
const END_GRACE_MS = 1_000;

/** What a replica server serves from, and with which limits. */
export interface ReplicaServerParts {
  store: ObjectStore;
  resolver: TargetResolver;
  log: Logger;
  events: ReplicaEventEmitter;
  faults: FaultInjector;
  limits: ConnectionLimits;
  requestLog: RequestLogGate;
  /** The region it serves in (a label), or null. */
  region: string | null;
  /** The emulated links to clients and origin, when a topology places the replica. */
  links: RegionLinks | null;
  /** Requests that passed through this many caches or more are refused. */
  maxHops: number;
  /** Whether this id is one of the replica's parents. */
  isParent: (id: string) => boolean;
  /** The load report's tier fields: the tier, the cache counters, the parents. */
  tierReport: () => TierReport;
  /** Where clients outside its network reach it (`--advertise`), said in every pong; or null. */
  advertised: AdvertisedAddress | null;
}

/** What a pong says about the replica's cache tier. */
export type TierReport = Pick<
  LoadReport,
  'tier' | 'hits' | 'misses' | 'parentFetches' | 'originFetches' | 'parents'
>;

/**
 * The replica's TCP side: one port for every dialect (native, HTTP, legacy, chosen from each
 * connection's first bytes), transfers in flight, load figures and the drain.
 */
export class ReplicaServer {
  private readonly loop: AcceptLoop<DialectHandler>;
  private readonly http: ReplicaHttp;
  readonly meter = new LoadMeter();
  private readonly context: ConnectionContext;
  private activeTransfers = 0;
  private transfersOk = 0;
  private transfersFailed = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private bound: Endpoint | null = null;

  private readonly store: ObjectStore;
  private readonly log: Logger;
  private readonly faults: FaultInjector;
  private readonly region: string | null;
  private readonly links: RegionLinks | null;
  private readonly tierReport: () => TierReport;
  private readonly advertised: AdvertisedAddress | null;
  readonly events: ReplicaEventEmitter;

  constructor(parts: ReplicaServerParts) {
    const { store, resolver, log, events, faults, limits, requestLog, links } = parts;
    this.region = parts.region;
    this.links = links;
    this.tierReport = parts.tierReport;
    this.advertised = parts.advertised;
    this.store = store;
    this.log = log;
    this.faults = faults;
    this.events = events;
    this.context = {
      log,
      requestLog,
      events,
      store,
      resolver,
      meter: this.meter,
      faults,
      limits,
      servedBy: () => this.bound?.id ?? 'unknown',
      maxHops: parts.maxHops,
      isParent: parts.isParent,
      clientOf: links ? (socket) => links.clientOf(socket) : () => null,
      isDraining: () => this.draining,
      loadReport: () => this.loadReport(),
      transferStarted: () => {
        this.activeTransfers += 1;
      },
      requestOutcome: (error) => {
        if (error === null) this.transfersOk += 1;
        else if (isReplicaFault(error)) this.transfersFailed += 1;
      },
      transferEnded: () => {
        this.activeTransfers -= 1;
        if (this.activeTransfers === 0) this.wakeIdleWaiters();
      },
    };
    this.http = new ReplicaHttp(this.context);
    this.loop = new AcceptLoop<DialectHandler>({
      limits,
      log,
      server: { highWaterMark: SOCKET_HIGH_WATER },
      handlers: {
        native: (socket, peer) => new NativeConnection(this.linked(socket), this.context, peer),
        http: (socket, peer) => this.http.adopt(this.linked(socket), peer),
        legacy: (socket, peer) => new LegacyConnection(this.linked(socket), this.context, peer),
        unrecognised: (socket, peer, start) => this.refuseUnrecognised(socket, peer, start),
      },
      hooks: {
        opened: (peer, open) => {
          log.info({ event: 'connection', peer, connections: open }, 'connection');
          events.emit('connection', { peer });
        },
        closed: (peer) => log.debug({ event: 'connection-closed', peer }, 'connection closed'),
        socketError: (peer, error) =>
          log.debug({ event: 'socket-error', peer, reason: error.message }, 'socket error'),
        refused: (peer, dialect) => events.emit('connection-refused', { peer, dialect }),
        sniffed: (peer, dialect) =>
          log.debug({ event: 'dialect', peer, dialect }, 'dialect sniffed'),
      },
    });
  }

  /** A connection's link to its client's region, applied once, before its dialect serves it. */
  private linked(socket: Socket): Socket {
    if (this.links) {
      const client = this.links.attach(socket);
      if (client) {
        const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
        this.log.debug(
          { event: 'client-region', peer, clientRegion: client.region },
          'client region',
        );
        this.events.emit('client-region', { peer, region: client.region });
      }
    }
    return socket;
  }

  get endpoint(): Endpoint {
    if (!this.bound) throw new Error('the replica is not listening yet');
    return this.bound;
  }

  async listen(host: string, port: number): Promise<Endpoint> {
    const { port: boundPort } = await this.loop.listen(host, port, 'replica');
    const named = advertisedHost(host);
    this.bound = { id: endpointId(named, boundPort), host: named, port: boundPort };
    this.log.info({ event: 'listening', host, port: boundPort, id: this.bound.id }, 'listening');
    return this.bound;
  }

  /** HTTP answers written by the fast path (see http/fast/). */
  get httpFastAnswers(): number {
    return this.http.fastAnswers;
  }

  loadReport(): LoadReport {
    const faults = this.faults.names;
    return {
      ...(faults.length > 0 ? { faults } : {}),
      activeTransfers: this.activeTransfers,
      activeConnections: this.loop.size,
      bytesPerSecond: this.meter.bytesPerSecond(),
      eventLoopLagMs: this.meter.eventLoopLagMs(),
      draining: this.draining,
      cachedObjects: this.store.cachedObjects,
      cachedBytes: this.store.cachedBytes,
      transfersOk: this.transfersOk,
      transfersFailed: this.transfersFailed,
      responseMs: this.meter.responseMs(),
      ...(this.region !== null ? { region: this.region } : {}),
      ...(this.links ? { clientRegions: this.links.stats.report() } : {}),
      ...this.tierReport(),
      ...(this.advertised ? { advertised: this.advertised } : {}),
    };
  }

  /**
   * Graceful stop: say so in pongs, refuse new connections, end idle data connections, let the
   * transfers in flight finish (at most `timeoutMs`), then close everything.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.log.info(
        {
          event: 'drain-start',
          activeTransfers: this.activeTransfers,
          connections: this.loop.size,
        },
        'draining',
      );
      this.events.emit('drain-start');
      this.loop.stopAccepting();
      for (const connection of this.loop.connections) connection.drainStarted();
    }
    const finished = await this.transfersIdle(timeoutMs);
    this.log.info(
      { event: 'drain-done', forced: !finished, activeTransfers: this.activeTransfers },
      finished ? 'every transfer finished' : 'drain timeout: closing the transfers left',
    );
    this.events.emit('drain-done', { forced: !finished });
    // The last bytes of a response, or an HTTP answer queued behind one, reach the client
    // before close() cuts what is left.
    if (finished) await this.loop.close(END_GRACE_MS);
    await this.close();
  }

  /** Immediate stop: every connection is cut. */
  async close(): Promise<void> {
    this.draining = true;
    const closed = this.loop.close(0);
    this.meter.stop();
    this.store.close();
    this.context.requestLog.flush();
    this.wakeIdleWaiters();
    await closed;
  }

  private refuseUnrecognised(socket: Socket, peer: string, start: UnrecognisedStart): void {
    this.log.info(
      { event: 'protocol-error', peer, code: 'bad_magic', dialect: 'unknown' },
      start.kind === 'dialect' ? 'unknown dialect' : 'no recognisable first bytes in time',
    );
    socket.destroy();
  }

  private transfersIdle(timeoutMs: number): Promise<boolean> {
    if (this.activeTransfers === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.activeTransfers === 0);
      });
    });
  }

  private wakeIdleWaiters(): void {
    if (this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
