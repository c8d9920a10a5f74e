import { createServer, type Server, type Socket } from 'node:net';
import {
  closeWhenIdle,
  endpointId,
  listen,
  refuseConnection,
  sniffSocket,
  type ConnectionLimits,
  type Logger,
} from '@cdn-lab/common';
import type { Endpoint, LoadReport } from '@cdn-lab/protocol';
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

/** Lets a few cached chunks queue per socket before write() asks the sender to wait. */
const SOCKET_HIGH_WATER = 512 * 1024;
/** After a drain, how long connections get to close on their own before they are cut. */
const END_GRACE_MS = 1_000;

/**
 * The replica's TCP side: one port for every dialect (native, HTTP, legacy, chosen from each
 * connection's first bytes), transfers in flight, load figures and the drain.
 */
export class ReplicaServer {
  private readonly server: Server;
  /** Every open socket, with its dialect's handler once sniffed. */
  private readonly connections = new Map<Socket, DialectHandler | null>();
  private readonly http: ReplicaHttp;
  readonly meter = new LoadMeter();
  private readonly context: ConnectionContext;
  private activeTransfers = 0;
  private transfersOk = 0;
  private transfersFailed = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private bound: Endpoint | null = null;

  constructor(
    private readonly store: ObjectStore,
    resolver: TargetResolver,
    private readonly log: Logger,
    readonly events: ReplicaEventEmitter,
    private readonly faults: FaultInjector,
    private readonly limits: ConnectionLimits,
  ) {
    this.context = {
      log,
      events,
      store,
      resolver,
      meter: this.meter,
      faults,
      limits,
      servedBy: () => this.bound?.id ?? 'unknown',
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
    this.server = createServer(
      { highWaterMark: SOCKET_HIGH_WATER },
      (socket) => void this.accept(socket),
    );
  }

  get endpoint(): Endpoint {
    if (!this.bound) throw new Error('the replica is not listening yet');
    return this.bound;
  }

  async listen(host: string, port: number): Promise<Endpoint> {
    await listen(this.server, host, port, 'replica');
    const address = this.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : port;
    const named = advertisedHost(host);
    this.bound = { id: endpointId(named, boundPort), host: named, port: boundPort };
    this.log.info({ event: 'listening', host, port: boundPort, id: this.bound.id }, 'listening');
    return this.bound;
  }

  loadReport(): LoadReport {
    const faults = this.faults.names;
    return {
      ...(faults.length > 0 ? { faults } : {}),
      activeTransfers: this.activeTransfers,
      activeConnections: this.connections.size,
      bytesPerSecond: this.meter.bytesPerSecond(),
      eventLoopLagMs: this.meter.eventLoopLagMs(),
      draining: this.draining,
      cachedObjects: this.store.cachedObjects,
      cachedBytes: this.store.cachedBytes,
      transfersOk: this.transfersOk,
      transfersFailed: this.transfersFailed,
      responseMs: this.meter.responseMs(),
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
          connections: this.connections.size,
        },
        'draining',
      );
      this.events.emit('drain-start');
      this.server.close();
      for (const connection of this.connections.values()) connection?.drainStarted();
    }
    const finished = await this.transfersIdle(timeoutMs);
    this.log.info(
      { event: 'drain-done', forced: !finished, activeTransfers: this.activeTransfers },
      finished ? 'every transfer finished' : 'drain timeout: closing the transfers left',
    );
    this.events.emit('drain-done', { forced: !finished });
    if (finished) await this.endConnections(END_GRACE_MS);
    await this.close();
  }

  /**
   * Ends every connection and waits (at most `graceMs`) for them to close, so the last bytes
   * of a response, or an HTTP answer still queued behind one, reach the client before close()
   * cuts what is left.
   */
  private async endConnections(graceMs: number): Promise<void> {
    const open = [...this.connections.keys()].filter((socket) => !socket.destroyed);
    if (open.length === 0) return;
    const closed = Promise.all(
      open.map((socket) => new Promise((resolve) => socket.once('close', resolve))),
    );
    for (const socket of open) socket.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** Immediate stop: every connection is cut. */
  async close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections.keys()) socket.destroy();
    this.meter.stop();
    this.store.close();
    this.wakeIdleWaiters();
    await closed;
  }

  private async accept(socket: Socket): Promise<void> {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.connections.set(socket, null);
    this.log.info({ event: 'connection', peer, connections: this.connections.size }, 'connection');
    this.events.emit('connection', { peer });
    socket.on('error', (error) => {
      this.log.debug({ event: 'socket-error', peer, reason: error.message }, 'socket error');
    });
    socket.once('close', () => {
      this.connections.delete(socket);
      this.log.debug({ event: 'connection-closed', peer }, 'connection closed');
    });
    const overLimit = this.connections.size > this.limits.maxConnections;
    const outcome = await sniffSocket(socket, {
      timeoutMs: this.limits.readTimeoutMs,
      silenceMs: 0,
    });
    if (outcome.kind === 'closed' || socket.destroyed) return;
    if (overLimit) {
      const dialect = outcome.kind === 'dialect' ? outcome.dialect : null;
      this.log.warn(
        { event: 'connection-refused', peer, dialect, limit: this.limits.maxConnections },
        'too many connections',
      );
      this.events.emit('connection-refused', { peer, dialect });
      refuseConnection(socket, dialect, this.limits.maxConnections);
      return;
    }
    if (outcome.kind !== 'dialect' || outcome.dialect === 'unknown') {
      this.log.info(
        { event: 'protocol-error', peer, code: 'bad_magic', dialect: 'unknown' },
        outcome.kind === 'dialect' ? 'unknown dialect' : 'no recognisable first bytes in time',
      );
      socket.destroy();
      return;
    }
    const { dialect, bytes } = outcome;
    this.log.debug({ event: 'dialect', peer, dialect }, 'dialect sniffed');
    if (dialect !== 'http') {
      // HTTP has its own idle timeout (Node's server.timeout, set from the same limit).
      closeWhenIdle(socket, this.limits.idleTimeoutMs, () =>
        this.log.info({ event: 'idle-timeout', peer, dialect }, 'idle connection closed'),
      );
    }
    socket.unshift(bytes); // the handler reads the stream from its first byte
    const connection = this.handlerFor(dialect, socket, peer);
    // No drainStarted() here even while draining: the first request is already in the
    // sniffed bytes, and each dialect refuses it in its own words.
    this.connections.set(socket, connection);
  }

  private handlerFor(
    dialect: 'native' | 'http' | 'legacy',
    socket: Socket,
    peer: string,
  ): DialectHandler {
    switch (dialect) {
      case 'native':
        return new NativeConnection(socket, this.context, peer);
      case 'http':
        return this.http.adopt(socket, peer);
      case 'legacy':
        return new LegacyConnection(socket, this.context, peer);
    }
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
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
