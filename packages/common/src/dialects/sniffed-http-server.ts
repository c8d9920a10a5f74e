import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionLimits } from '../config/connection-limits.js';
import { sendText } from '../http/http-answer.js';
import type { Logger } from '../logging/logger.js';

/** An idle keep-alive connection is closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * Pipelined requests one connection has with the role at a time (as many as a native
 * connection may queue); later ones wait, and the socket is not read while any wait.
 */
export const MAX_PIPELINED_REQUESTS = 64;

const CLIENT_ERROR_ANSWERS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/** What a role does with the HTTP requests arriving on its sniffed connections. */
export interface HttpRequestHandler {
  /** A GET or HEAD request over HTTP/1.x within the header limits: the role answers it. */
  serve(req: IncomingMessage, res: ServerResponse, peer: string): void;
  /** While true, a connection is ended after its last answer instead of awaiting another request. */
  isDraining(): boolean;
}

export interface SniffedHttpServerOptions {
  limits: ConnectionLimits;
  log: Logger;
  handler: HttpRequestHandler;
  /** Added to the answers this server writes itself (431, 400, 405). */
  answerHeaders?: OutgoingHttpHeaders;
}

/** A connection the HTTP server has taken over. */
export interface HttpConnection {
  /** The role began draining: end the connection now if no answer is in flight. */
  drainStarted(): void;
}

interface ConnectionState {
  peer: string;
  /** Requests whose answer has not closed yet (pipelined ones included, held ones too). */
  inFlight: number;
  /** Requests parsed beyond MAX_PIPELINED_REQUESTS, handed to the role as earlier ones close. */
  held: (() => void)[];
  /** Run once nothing is in flight: an error answer waits for the pipelined answers before it. */
  whenIdle: (() => void)[];
  headTimer: NodeJS.Timeout | null;
}

/**
 * HTTP/1.x for a port that sniffs dialects: Node's own HTTP server, which never listens; the
 * sockets whose first bytes sniffed as HTTP are handed to it. Node brings keep-alive, pipelining
 * order and 400 for a malformed request; this adds the connection limits (header bytes and
 * fields, a request-head deadline answered with 408, the idle timeout), refuses what the roles
 * do not serve (other methods, other HTTP versions) and ends connections when the role drains.
 */
export class SniffedHttpServer {
  private readonly server: Server;
  private readonly connections = new Map<Socket, ConnectionState>();

  constructor(private readonly options: SniffedHttpServerOptions) {
    const { limits } = options;
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
  adopt(socket: Socket, peer: string): HttpConnection {
    const state: ConnectionState = {
      peer,
      inFlight: 0,
      held: [],
      whenIdle: [],
      headTimer: null,
    };
    this.connections.set(socket, state);
    socket.once('close', () => {
      this.clearHeadTimer(state);
      this.connections.delete(socket);
    });
    this.armHeadTimer(socket, state);
    this.server.emit('connection', socket);
    // Node's server resumes a socket it paused itself when the socket drains; one holding
    // requests stays paused (this runs after Node's own 'resume' listener).
    socket.on('resume', () => {
      if (state.held.length > 0) socket.pause();
    });
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
    const state = this.connections.get(socket);
    if (!state) {
      res.destroy();
      return;
    }
    this.clearHeadTimer(state);
    state.inFlight += 1;
    res.once('close', () => this.answered(socket, state));
    if (state.inFlight > MAX_PIPELINED_REQUESTS) {
      // A client pipelining without reading would otherwise have every request it sent, and
      // every answer, held here at once: the rest of this chunk waits, the socket is not read.
      state.held.push(() => this.dispatch(req, res, state));
      socket.pause();
      return;
    }
    this.dispatch(req, res, state);
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, state: ConnectionState): void {
    if (res.destroyed) return;
    const refusal = this.refusalOf(req);
    if (refusal) {
      sendText(req, res, refusal.status, refusal.line, {
        ...this.options.answerHeaders,
        ...refusal.headers,
        Connection: 'close',
      });
      return;
    }
    this.options.handler.serve(req, res, state.peer);
  }

  private refusalOf(
    req: IncomingMessage,
  ): { status: number; line: string; headers?: OutgoingHttpHeaders } | null {
    const { maxHeaders } = this.options.limits;
    if (req.rawHeaders.length / 2 > maxHeaders) {
      return { status: 431, line: `more than ${maxHeaders} header fields` };
    }
    if (req.httpVersionMajor !== 1) return { status: 400, line: 'this server speaks HTTP/1.x' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return {
        status: 405,
        line: `${req.method ?? '?'} is not supported; use GET or HEAD`,
        headers: { Allow: 'GET, HEAD' },
      };
    }
    return null;
  }

  private answered(socket: Socket, state: ConnectionState): void {
    state.inFlight -= 1;
    if (state.inFlight - state.held.length < MAX_PIPELINED_REQUESTS) {
      const next = state.held.shift();
      next?.();
      if (next && state.held.length === 0 && !socket.destroyed) socket.resume();
    }
    if (state.inFlight > 0) return;
    for (const then of state.whenIdle.splice(0)) then();
    if (socket.destroyed || !socket.writable) return;
    if (this.options.handler.isDraining()) socket.end();
    else this.armHeadTimer(socket, state);
  }

  private onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    const state = this.connections.get(socket);
    this.options.log.info(
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
    if (state && state.inFlight > 0) state.whenIdle.push(answer);
    else answer();
  }

  /** A request head must arrive whole within the read timeout of connecting or of the last answer. */
  private armHeadTimer(socket: Socket, state: ConnectionState): void {
    this.clearHeadTimer(state);
    state.headTimer = setTimeout(() => {
      if (state.inFlight > 0) return;
      this.options.log.info(
        { event: 'protocol-error', dialect: 'http', peer: state.peer, code: 'timeout' },
        'no request head in time',
      );
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroySoon();
    }, this.options.limits.readTimeoutMs);
    state.headTimer.unref();
  }

  private clearHeadTimer(state: ConnectionState): void {
    if (state.headTimer) clearTimeout(state.headTimer);
    state.headTimer = null;
  }
}
