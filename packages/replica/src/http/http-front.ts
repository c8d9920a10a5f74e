import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SniffedHttpServer, sendText, type HttpRequestHandler } from '@cdn-lab/common';
import type { DialectHandler } from '../server/dialect-handler.js';
import type { ConnectionContext } from '../server/connection-context.js';
import { serveHttpObject } from './http-object.js';

/**
 * The replica's HTTP/1.1 side: common's sniffed-HTTP server (limits, keep-alive, 408, 431,
 * 400, 405) hands it each request; it serves the object, or refuses while the replica drains.
 */
export class ReplicaHttp implements HttpRequestHandler {
  private readonly server: SniffedHttpServer;

  constructor(private readonly ctx: ConnectionContext) {
    this.server = new SniffedHttpServer({ limits: ctx.limits, log: ctx.log, handler: this });
  }

  /** Takes over a socket whose sniffed bytes were put back. */
  adopt(socket: Socket, peer: string): DialectHandler {
    return this.server.adopt(socket, peer);
  }

  serve(req: IncomingMessage, res: ServerResponse, peer: string): void {
    if (this.ctx.isDraining()) {
      this.ctx.log.info(
        { event: 'request-refused', dialect: 'http', path: req.url, peer },
        'draining: refused',
      );
      sendText(req, res, 503, 'this replica is draining; ask the balancer for another one', {
        Connection: 'close',
        'X-Served-By': this.ctx.servedBy(),
      });
      return;
    }
    void serveHttpObject(req, res, this.ctx, peer);
  }

  isDraining(): boolean {
    return this.ctx.isDraining();
  }
}
