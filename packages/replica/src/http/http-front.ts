import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { DialectHandler } from '../server/dialect-handler.js';
import type { ConnectionContext } from '../server/connection-context.js';
import { sendText, serveHttpObject } from './http-object.js';

/** An idle keep-alive connection is closed after this long. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const CLIENT_ERROR_ANSWERS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

interface SocketState {
  peer: string;
  inFlight: number;
  /** Run once nothing is in flight (a 400 waits for the pipelined answers before it). */
  whenIdle: (() => void)[];
  headTimer: NodeJS.Timeout | null;
}

/**
 * The replica's HTTP/1.1 side: Node's own HTTP server, which never listens; sockets whose
 * first bytes sniffed as HTTP are handed to it. It brings keep-alive, pipelining order and
 * 400 for a malformed request; this class adds the drain and a request-head deadline.
 */
export class ReplicaHttp {
  private readonly server: Server;
  private readonly sockets = new Map<Socket, SocketState>();

  constructor(private readonly ctx: ConnectionContext) {
    const { limits } = ctx;
    this.server = createServer({ maxHeaderSize: limits.maxHeaderBytes }, (req, res) =>
      this.onRequest(req, res),
    );
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    // A connection with no progress either way (a stalled reader or writer) is cut.
    this.server.timeout = limits.idleTimeoutMs;
    // One over the limit, so a request with too many fields is seen and refused, not truncated.
    this.server.maxHeadersCount = limits.maxHeaders + 1;
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) =>
      this.onClientError(error, socket as Socket),
    );
  }

  /** Takes over a socket whose sniffed bytes were put back. */
  adopt(socket: Socket, peer: string): DialectHandler {
    const state: SocketState = { peer, inFlight: 0, whenIdle: [], headTimer: null };
    this.sockets.set(socket, state);
    socket.once('close', () => {
      this.clearHeadTimer(state);
      this.sockets.delete(socket);
    });
    this.armHeadTimer(socket, state);
    this.server.emit('connection', socket);
    // The HTTP server reads through 'data'; the sniffer left the socket paused.
    socket.resume();
    return {
      drainStarted: () => {
        if (state.inFlight === 0) socket.end();
      },
    };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const state = this.sockets.get(socket);
    if (!state) {
      res.destroy();
      return;
    }
    this.clearHeadTimer(state);
    state.inFlight += 1;
    res.once('close', () => {
      state.inFlight -= 1;
      if (state.inFlight > 0) return;
      for (const then of state.whenIdle.splice(0)) then();
      if (socket.destroyed || !socket.writable) return;
      if (this.ctx.isDraining()) socket.end();
      else this.armHeadTimer(socket, state);
    });
    if (req.rawHeaders.length / 2 > this.ctx.limits.maxHeaders) {
      sendText(req, res, 431, `more than ${this.ctx.limits.maxHeaders} header fields`, {
        Connection: 'close',
      });
      return;
    }
    if (req.httpVersionMajor !== 1) {
      sendText(req, res, 400, 'this server speaks HTTP/1.x', { Connection: 'close' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, `${req.method ?? '?'} is not supported; use GET or HEAD`, {
        Allow: 'GET, HEAD',
        Connection: 'close',
      });
      return;
    }
    if (this.ctx.isDraining()) {
      this.ctx.log.info(
        { event: 'request-refused', dialect: 'http', path: req.url, peer: state.peer },
        'draining: refused',
      );
      sendText(req, res, 503, 'this replica is draining; ask the balancer for another one', {
        Connection: 'close',
        'X-Served-By': this.ctx.servedBy(),
      });
      return;
    }
    void serveHttpObject(req, res, this.ctx, state.peer);
  }

  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const state = this.sockets.get(socket);
    this.ctx.log.info(
      {
        event: 'protocol-error',
        dialect: 'http',
        peer: state?.peer ?? '?',
        code: error.code,
        reason: error.message,
      },
      'bad HTTP request',
    );
    const answer = (): void => {
      if (socket.writable && error.code !== 'ECONNRESET') {
        const status = CLIENT_ERROR_ANSWERS[error.code ?? ''] ?? '400 Bad Request';
        socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
      socket.destroySoon();
    };
    // Pipelined requests before the bad one are answered first, then the 400, then close.
    if (state && state.inFlight > 0) state.whenIdle.push(answer);
    else answer();
  }

  private armHeadTimer(socket: Socket, state: SocketState): void {
    this.clearHeadTimer(state);
    state.headTimer = setTimeout(() => {
      if (state.inFlight > 0) return;
      this.ctx.log.info(
        { event: 'protocol-error', dialect: 'http', peer: state.peer, code: 'timeout' },
        'no request head in time',
      );
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroySoon();
    }, this.ctx.limits.readTimeoutMs);
    state.headTimer.unref();
  }

  private clearHeadTimer(state: SocketState): void {
    if (state.headTimer) clearTimeout(state.headTimer);
    state.headTimer = null;
  }
}
