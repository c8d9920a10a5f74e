import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  closeWhenIdle,
  connectionLimitsOf,
  listen,
  refuseConnection,
  sniffSocket,
  SniffedHttpServer,
  type ConnectionLimits,
  type Logger,
} from '@cdn-lab/common';
import { HttpRoutes, ROUTE_ANSWER_HEADERS } from './http-routes.js';
import { answerLegacyRoute } from './legacy-route.js';
import { serveNativeRoutes } from './native-routes.js';
import type { Decide } from '../routing/route-types.js';

export interface RouteServerOptions {
  decide: Decide;
  log: Logger;
  /** Connection count, idle and read timeouts, HTTP header limits; defaults from common. */
  limits?: Partial<ConnectionLimits>;
  /** Silence this long (no byte at all) means the original client: it gets a legacy answer. 0: off. */
  legacySilenceMs?: number;
}

export const DEFAULT_LEGACY_SILENCE_MS = 300;

/**
 * The balancer's listening socket. Each connection's first bytes choose the dialect: native
 * `route` frames, HTTP (302 to a replica, or JSON), or — for a client that says nothing for
 * `legacySilenceMs` — the original project's one-packet answer.
 */
export class RouteServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly http: SniffedHttpServer;
  private port = 0;
  private readonly limits: ConnectionLimits;

  constructor(private readonly options: RouteServerOptions) {
    this.limits = connectionLimitsOf(options.limits);
    this.server = createServer((socket) => void this.accept(socket));
    this.http = new SniffedHttpServer({
      limits: this.limits,
      log: options.log,
      handler: new HttpRoutes(options.decide),
      answerHeaders: ROUTE_ANSWER_HEADERS,
    });
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await listen(this.server, host, port, 'balancer');
    const address = this.server.address() as AddressInfo;
    this.port = address.port;
    return address;
  }

  /**
   * Stops accepting, then ends every connection (all frames received so far have been
   * answered already); connections still open after `graceMs` are destroyed.
   */
  async close(graceMs = 2000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const { log } = this.options;
    log.info({ event: 'shutdown-connections', open: this.sockets.size }, 'closing connections');
    for (const socket of this.sockets) socket.end();
    const force = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(force);
  }

  private async accept(socket: Socket): Promise<void> {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const { log, decide } = this.options;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    log.info({ event: 'connection-opened', peer }, 'client connected');
    socket.on('error', (error: NodeJS.ErrnoException) => {
      log.debug({ event: 'connection-error', peer, error: error.code ?? error.message }, 'error');
    });
    socket.on('close', () => {
      this.sockets.delete(socket);
      log.info({ event: 'connection-closed', peer }, 'client disconnected');
    });
    const overLimit = this.sockets.size > this.limits.maxConnections;
    const outcome = await sniffSocket(socket, {
      timeoutMs: this.limits.readTimeoutMs,
      silenceMs: this.options.legacySilenceMs ?? DEFAULT_LEGACY_SILENCE_MS,
    });
    if (outcome.kind === 'closed' || socket.destroyed) return;
    if (overLimit) {
      const dialect = outcome.kind === 'dialect' ? outcome.dialect : null;
      log.warn(
        { event: 'connection-refused', peer, dialect, limit: this.limits.maxConnections },
        'too many connections',
      );
      refuseConnection(socket, dialect, this.limits.maxConnections);
      return;
    }
    if (outcome.kind === 'silent') {
      answerLegacyRoute(socket, peer, decide, log, this.port);
      return;
    }
    if (outcome.kind === 'timeout') {
      log.info({ event: 'sniff-timeout', peer }, 'connection sent nothing recognisable; closed');
      socket.destroy();
      return;
    }
    const { dialect, bytes } = outcome;
    if (dialect === 'legacy' || dialect === 'unknown') {
      // The original client never speaks first to a balancer: these bytes are nobody's.
      log.info({ event: 'unsupported-dialect', peer, dialect }, `${dialect} client refused`);
      socket.end();
      return;
    }
    socket.unshift(bytes);
    if (dialect === 'http') {
      this.http.adopt(socket, peer);
      return;
    }
    closeWhenIdle(socket, this.limits.idleTimeoutMs, () =>
      log.info({ event: 'idle-timeout', peer }, 'idle connection closed'),
    );
    serveNativeRoutes(socket, peer, decide, log, this.limits.readTimeoutMs);
  }
}
