import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SniffedHttpServer, sendText, type HttpRequestHandler } from '@cdn-lab/common';
import { ERROR_CODE_HEADER } from '../cache/origin-client.js';
import type { DialectHandler } from '../server/dialect-handler.js';
import type { ConnectionContext } from '../server/connection-context.js';
import { EncodedAnswers } from './fast/encoded-answer.js';
import { IdleSweep } from './fast/idle-sweep.js';
import { FastHttpConnection, type FastPathParts } from './fast/fast-connection.js';
import { serveHttpObject } from './http-object.js';

/**
 * The replica's HTTP/1.1 side. Each connection starts on the fast path (plain GETs of whole
 * cached objects, see fast/fast-connection.ts); at its first other request it goes to common's
 * sniffed-HTTP server (Node's parser: limits, keep-alive, 408, 431, 400, 405), which hands
 * each request here to be served through the request lifecycle, or refused while draining.
 */
export class ReplicaHttp implements HttpRequestHandler {
  private readonly server: SniffedHttpServer;
  private readonly fastPath: FastPathParts;
  /** Answers the fast path wrote (the rest went through Node's server and the lifecycle). */
  fastAnswers = 0;

  constructor(private readonly ctx: ConnectionContext) {
    this.server = new SniffedHttpServer({ limits: ctx.limits, log: ctx.log, handler: this });
    this.fastPath = {
      ctx,
      answers: new EncodedAnswers(() => ctx.servedBy()),
      sweep: new IdleSweep(),
      handOver: (socket, peer) => this.server.adopt(socket, peer),
      answered: () => {
        this.fastAnswers += 1;
      },
    };
  }

  /** Takes over a socket whose sniffed bytes were put back. */
  adopt(socket: Socket, peer: string): DialectHandler {
    return new FastHttpConnection(socket, peer, this.fastPath);
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
        [ERROR_CODE_HEADER]: 'draining',
      });
      return;
    }
    void serveHttpObject(req, res, this.ctx, peer);
  }

  isDraining(): boolean {
    return this.ctx.isDraining();
  }
}
