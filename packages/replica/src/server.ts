import type { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { endpointId, listen, type Logger } from '@cdn-lab/common';
import type { Endpoint, LoadReport } from '@cdn-lab/protocol';
import { ReplicaConnection, type ConnectionContext } from './connection.js';
import { LoadMeter } from './load-meter.js';
import type { ObjectStore } from './object-store.js';
import type { TargetResolver } from './object-path.js';

/** Lets a few cached chunks queue per socket before write() asks the sender to wait. */
const SOCKET_HIGH_WATER = 512 * 1024;

/** The replica's TCP side: connections, transfers in flight, load figures and the drain. */
export class ReplicaServer {
  private readonly server: Server;
  private readonly connections = new Set<ReplicaConnection>();
  private readonly meter = new LoadMeter();
  private readonly context: ConnectionContext;
  private activeTransfers = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private bound: Endpoint | null = null;

  constructor(
    private readonly store: ObjectStore,
    resolver: TargetResolver,
    private readonly log: Logger,
    readonly events: EventEmitter,
  ) {
    this.context = {
      log,
      events,
      store,
      resolver,
      meter: this.meter,
      servedBy: () => this.bound?.id ?? 'unknown',
      isDraining: () => this.draining,
      loadReport: () => this.loadReport(),
      transferStarted: () => {
        this.activeTransfers += 1;
      },
      transferEnded: () => {
        this.activeTransfers -= 1;
        if (this.activeTransfers === 0) this.wakeIdleWaiters();
      },
    };
    this.server = createServer({ highWaterMark: SOCKET_HIGH_WATER }, (socket) =>
      this.accept(socket),
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
    this.bound = { id: endpointId(host, boundPort), host, port: boundPort };
    this.log.info({ event: 'listening', host, port: boundPort, id: this.bound.id }, 'listening');
    return this.bound;
  }

  loadReport(): LoadReport {
    return {
      activeTransfers: this.activeTransfers,
      activeConnections: this.connections.size,
      bytesPerSecond: this.meter.bytesPerSecond(),
      eventLoopLagMs: this.meter.eventLoopLagMs(),
      draining: this.draining,
      cachedObjects: this.store.cachedObjects,
      cachedBytes: this.store.cachedBytes,
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
      for (const connection of this.connections) connection.drainStarted();
    }
    const finished = await this.transfersIdle(timeoutMs);
    this.log.info(
      { event: 'drain-done', forced: !finished, activeTransfers: this.activeTransfers },
      finished ? 'every transfer finished' : 'drain timeout: closing the transfers left',
    );
    this.events.emit('drain-done', { forced: !finished });
    await this.close();
  }

  /** Immediate stop: every connection is cut. */
  async close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.destroy();
    this.meter.stop();
    this.store.close();
    this.wakeIdleWaiters();
    await closed;
  }

  private accept(socket: Socket): void {
    const connection = new ReplicaConnection(socket, this.context);
    this.connections.add(connection);
    this.log.info(
      { event: 'connection', peer: connection.peer, connections: this.connections.size },
      'connection',
    );
    socket.once('close', () => {
      this.connections.delete(connection);
      this.log.debug({ event: 'connection-closed', peer: connection.peer }, 'connection closed');
    });
    if (this.draining) connection.drainStarted();
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
