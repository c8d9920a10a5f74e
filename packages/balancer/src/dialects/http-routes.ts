import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { endpointId, type ConnectionLimits, type Logger } from '@cdn-lab/common';
import type { Endpoint } from '@cdn-lab/protocol';
import type { Decide } from '../routing/route-types.js';

const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** The replica's URL for a path: http://host:port/path, an IPv6 host in brackets. */
export function replicaUrl(replica: Endpoint, path: string): string {
  return `http://${endpointId(replica.host, replica.port)}${path}`;
}

/** The path to route, and whether JSON was asked for (`?format=json`, removed from the path). */
export function parseRouteTarget(
  target: string,
  accept: string | undefined,
): { path: string; json: boolean } | null {
  if (!target.startsWith('/')) return null;
  const queryAt = target.indexOf('?');
  const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
  const params = queryAt < 0 ? [] : target.slice(queryAt + 1).split('&');
  const kept = params.filter((param) => param !== 'format=json' && param !== '');
  const json = kept.length !== params.filter((p) => p !== '').length || wantsJson(accept);
  return { path: kept.length > 0 ? `${pathname}?${kept.join('&')}` : pathname, json };
}

function wantsJson(accept: string | undefined): boolean {
  return accept !== undefined && /\bapplication\/json\b/i.test(accept);
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  res.writeHead(status, {
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The balancer's HTTP side: Node's HTTP server (never listening; sockets that sniffed as HTTP
 * are handed to it). `GET /path` is redirected (302) to the chosen replica, or answered as JSON.
 */
export class BalancerHttp {
  private readonly server: Server;
  private readonly headTimers = new WeakMap<Socket, NodeJS.Timeout>();
  /** Answers not yet flushed per socket (pipelined ones wait for those before them). */
  private readonly unfinished = new WeakMap<Socket, { count: number; idle: (() => void)[] }>();

  constructor(
    private readonly decide: Decide,
    private readonly log: Logger,
    private readonly limits: ConnectionLimits,
  ) {
    this.server = createServer({ maxHeaderSize: limits.maxHeaderBytes }, (req, res) =>
      this.onRequest(req, res),
    );
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.server.timeout = limits.idleTimeoutMs;
    // One over the limit, so a request with too many fields is seen and refused, not truncated.
    this.server.maxHeadersCount = limits.maxHeaders + 1;
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      this.log.info(
        { event: 'protocol-error', dialect: 'http', code: error.code, reason: error.message },
        'bad HTTP request',
      );
      const raw = socket as Socket;
      const status =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
      // Pipelined requests before the bad one are answered first, then the 400, then close.
      this.whenIdle(raw, () => {
        if (raw.writable && error.code !== 'ECONNRESET') {
          raw.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        }
        raw.destroySoon();
      });
    });
  }

  /** Takes over a socket whose sniffed bytes were put back. */
  adopt(socket: Socket): void {
    // A first request head must arrive in time; keepAliveTimeout covers the ones after it.
    const head = setTimeout(() => socket.destroy(), this.limits.readTimeoutMs);
    head.unref();
    this.headTimers.set(socket, head);
    socket.once('close', () => clearTimeout(head));
    this.server.emit('connection', socket);
    socket.resume();
  }

  private whenIdle(socket: Socket, then: () => void): void {
    const state = this.unfinished.get(socket);
    if (!state || state.count === 0) then();
    else state.idle.push(then);
  }

  private track(socket: Socket, res: ServerResponse): void {
    let state = this.unfinished.get(socket);
    if (!state) {
      state = { count: 0, idle: [] };
      this.unfinished.set(socket, state);
    }
    const tracked = state;
    tracked.count += 1;
    res.once('close', () => {
      tracked.count -= 1;
      if (tracked.count === 0) for (const then of tracked.idle.splice(0)) then();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    clearTimeout(this.headTimers.get(req.socket));
    this.track(req.socket, res);
    if (req.rawHeaders.length / 2 > this.limits.maxHeaders) {
      send(req, res, 431, `more than ${this.limits.maxHeaders} header fields\n`, {
        Connection: 'close',
      });
      return;
    }
    if (req.httpVersionMajor !== 1) {
      send(req, res, 400, 'this server speaks HTTP/1.x\n', { Connection: 'close' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, `${req.method ?? '?'} is not supported; use GET or HEAD\n`, {
        Allow: 'GET, HEAD',
        Connection: 'close',
        'Content-Type': 'text/plain; charset=utf-8',
      });
      return;
    }
    const target = parseRouteTarget(req.url ?? '/', req.headers.accept);
    if (!target) {
      send(req, res, 400, 'the request target must be a path starting with "/"\n', {
        'Content-Type': 'text/plain; charset=utf-8',
      });
      return;
    }
    const answer = this.decide(target.path, peer, { dialect: 'http' });
    if (answer.type === 'error') {
      const retryAfter = String(Math.max(1, Math.ceil((answer.retryAfterMs ?? 1000) / 1000)));
      const body = target.json
        ? JSON.stringify({
            error: answer.code,
            message: answer.message,
            retryAfterMs: answer.retryAfterMs,
          })
        : `${answer.message}\n`;
      send(req, res, 503, body, {
        'Retry-After': retryAfter,
        'Content-Type': target.json ? 'application/json' : 'text/plain; charset=utf-8',
      });
      return;
    }
    const location = replicaUrl(answer.best, target.path);
    const alternates = answer.alternates.map((replica) => replicaUrl(replica, target.path));
    if (target.json) {
      const body = JSON.stringify({
        location,
        alternates,
        strategy: answer.strategy,
        reason: answer.reason,
      });
      send(req, res, 200, body, { 'Content-Type': 'application/json' });
      return;
    }
    send(req, res, 302, `Found: ${location}\n`, {
      Location: location,
      'X-Alternates': alternates.join(', '),
      'X-Strategy': answer.strategy,
      'Content-Type': 'text/plain; charset=utf-8',
    });
  }
}
