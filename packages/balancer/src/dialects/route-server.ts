import type { AddressInfo, Socket } from 'node:net';
import {
  AcceptLoop,
  SniffedHttpServer,
  connectionLimitsOf,
  type ConnectionLimits,
  type Logger,
  type UnrecognisedStart,
} from '@cdn-lab/common';
import { HttpRoutes, ROUTE_ANSWER_HEADERS } from './http-routes.js';
import { answerLegacyRoute } from './legacy-route.js';
import { serveNativeRoutes } from './native-routes.js';
import { BALANCER_DEFAULTS } from '../options.js';
import type { Decide } from '../routing/route-types.js';

export interface RouteServerOptions {
  decide: Decide;
  log: Logger;
  /** Connection count, idle and read timeouts, HTTP header limits; defaults from common. */
  limits?: Partial<ConnectionLimits>;
  /**
   * Silence this long (no byte at all) means the original client: it gets a legacy answer.
   * 0: off. Default in BALANCER_DEFAULTS.
   */
  legacySilenceMs?: number;
}

/** How long close() lets connections finish on their own before cutting them. */
const CLOSE_GRACE_MS = 2000;

/**
 * The balancer's listening socket. Each connection's first bytes choose the dialect: native
 * `route` frames, HTTP (302 to a replica, or JSON), or — for a client that says nothing for
 * `legacySilenceMs` — the original project's one-packet answer.
 */
export class RouteServer {
  private readonly loop: AcceptLoop<void>;
  private port = 0;

  constructor(private readonly options: RouteServerOptions) {
    const { decide, log } = options;
    const limits = connectionLimitsOf(options.limits);
    const http = new SniffedHttpServer({
      limits,
      log,
      handler: new HttpRoutes(decide),
      answerHeaders: ROUTE_ANSWER_HEADERS,
    });
    this.loop = new AcceptLoop<void>({
      limits,
      log,
      server: { noDelay: true },
      handlers: {
        native: (socket, peer) =>
          serveNativeRoutes(socket, peer, decide, log, limits.readTimeoutMs),
        http: (socket, peer) => {
          http.adopt(socket, peer);
        },
        silent: {
          afterMs: options.legacySilenceMs ?? BALANCER_DEFAULTS.legacySilenceMs,
          answer: (socket, peer) => answerLegacyRoute(socket, peer, decide, log, this.port),
        },
        unrecognised: (socket, peer, start) => this.refuseUnrecognised(socket, peer, start),
      },
      hooks: {
        // Per connection, like the route lines: built only when the level logs them.
        opened: (peer) => {
          if (log.isLevelEnabled('info')) {
            log.info({ event: 'connection-opened', peer }, 'client connected');
          }
        },
        closed: (peer) => {
          if (log.isLevelEnabled('info')) {
            log.info({ event: 'connection-closed', peer }, 'client disconnected');
          }
        },
        socketError: (peer, error) =>
          log.debug(
            { event: 'connection-error', peer, error: error.code ?? error.message },
            'error',
          ),
      },
    });
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    const address = await this.loop.listen(host, port, 'balancer');
    this.port = address.port;
    return address;
  }

  /**
   * Stops accepting, then ends every connection (all frames received so far have been
   * answered already); connections still open after `graceMs` are destroyed.
   */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    const { log } = this.options;
    log.info({ event: 'shutdown-connections', open: this.loop.size }, 'closing connections');
    await this.loop.close(graceMs);
  }

  private refuseUnrecognised(socket: Socket, peer: string, start: UnrecognisedStart): void {
    const { log } = this.options;
    if (start.kind === 'timeout') {
      log.info({ event: 'sniff-timeout', peer }, 'connection sent nothing recognisable; closed');
      socket.destroy();
      return;
    }
    // The original client never speaks first to a balancer: legacy bytes are nobody's.
    const { dialect } = start;
    log.info({ event: 'unsupported-dialect', peer, dialect }, `${dialect} client refused`);
    socket.end();
  }
}
