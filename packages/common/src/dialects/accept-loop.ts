import {
  createServer,
  type AddressInfo,
  type Server,
  type ServerOpts,
  type Socket,
} from 'node:net';
import type { Dialect } from '@cdn-lab/protocol';
import { closeWhenIdle, type ConnectionLimits } from '../config/connection-limits.js';
import { listen } from '../process/listen.js';
import type { Logger } from '../logging/logger.js';
import { ConnectionCounts, sourceKey } from './connection-counts.js';
import { refuseConnection } from './refuse-connection.js';
import { sniffSocket } from './sniff-socket.js';

/** How long a connection over a limit may take to show its dialect before it is just closed. */
const REFUSAL_SNIFF_MS = 1000;

/** First bytes that name no dialect the role serves, or no decision within the read timeout. */
export type UnrecognisedStart =
  { kind: 'timeout'; received: number } | { kind: 'dialect'; dialect: Dialect };

/**
 * What a role does with a connection once its first bytes are known. Each handler gets the
 * socket with those bytes put back and returns what the role keeps for the connection.
 */
export interface DialectHandlers<Connection> {
  native(socket: Socket, peer: string): Connection;
  /** Usually hands the socket to a SniffedHttpServer. */
  http(socket: Socket, peer: string): Connection;
  /** Absent: the role does not serve the original project's format; its bytes are unrecognised. */
  legacy?(socket: Socket, peer: string): Connection;
  /** A connection that sends nothing for `afterMs` is answered by `answer` (0: never). */
  silent?: { afterMs: number; answer(socket: Socket, peer: string): void };
  /** Says why in the role's log, and closes the socket. */
  unrecognised(socket: Socket, peer: string, start: UnrecognisedStart): void;
}

/** The role's own log lines and events around the accept loop. */
export interface AcceptHooks {
  opened(peer: string, open: number): void;
  closed(peer: string): void;
  socketError(peer: string, error: NodeJS.ErrnoException): void;
  /** Besides the loop's `connection-refused` line. */
  refused?(peer: string, dialect: Dialect | null): void;
  sniffed?(peer: string, dialect: Dialect): void;
}

export interface AcceptLoopOptions<Connection> {
  limits: ConnectionLimits;
  log: Logger;
  handlers: DialectHandlers<Connection>;
  hooks: AcceptHooks;
  /** For the listening socket, e.g. its highWaterMark or noDelay. */
  server?: ServerOpts;
}

/**
 * One listening port for every dialect: tracks each connection, refuses those over
 * --max-connections or --max-connections-per-source in their own dialect (a refused one holds
 * no slot), sniffs the first bytes, closes idle non-HTTP
 * connections, hands each one to its dialect's handler, and ends them all on close.
 */
export class AcceptLoop<Connection> {
  private readonly server: Server;
  /** Every open socket, with what its handler returned once it was dispatched. */
  private readonly sockets = new Map<Socket, Connection | null>();
  private readonly counts: ConnectionCounts;

  constructor(private readonly options: AcceptLoopOptions<Connection>) {
    this.counts = new ConnectionCounts(options.limits);
    this.server = createServer(options.server ?? {}, (socket) => void this.accept(socket));
  }

  /** Open connections, sniffed or not. */
  get size(): number {
    return this.sockets.size;
  }

  /** The connections handed to a dialect's handler so far. */
  get connections(): Connection[] {
    return [...this.sockets.values()].filter((connection) => connection !== null);
  }

  /** Listens; `what` names the role in the error for a busy or foreign address. */
  async listen(host: string, port: number, what: string): Promise<AddressInfo> {
    await listen(this.server, host, port, what);
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting; open connections carry on. */
  stopAccepting(): void {
    this.server.close();
  }

  /**
   * Stops accepting and ends every connection; those still open after `graceMs` are destroyed
   * (0: at once). Resolves when the last one has closed.
   */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const destroyAll = (): void => {
      for (const socket of this.sockets.keys()) socket.destroy();
    };
    let force: NodeJS.Timeout | undefined;
    if (graceMs > 0) {
      for (const socket of this.sockets.keys()) socket.end();
      force = setTimeout(destroyAll, graceMs);
    } else {
      destroyAll();
    }
    await closed;
    clearTimeout(force);
  }

  private async accept(socket: Socket): Promise<void> {
    const { limits, log, handlers, hooks } = this.options;
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const source = sourceKey(socket.remoteAddress);
    const overLimit = this.counts.admit(source);
    this.sockets.set(socket, null);
    hooks.opened(peer, this.sockets.size);
    socket.on('error', (error: NodeJS.ErrnoException) => hooks.socketError(peer, error));
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (!overLimit) this.counts.release(source);
      hooks.closed(peer);
    });
    const outcome = await sniffSocket(socket, {
      // A refused connection waits only long enough to be refused in its own words.
      timeoutMs: overLimit
        ? Math.min(limits.readTimeoutMs, REFUSAL_SNIFF_MS)
        : limits.readTimeoutMs,
      silenceMs: handlers.silent?.afterMs ?? 0,
    });
    if (outcome.kind === 'closed' || socket.destroyed) return;
    if (overLimit) {
      const dialect = outcome.kind === 'dialect' ? outcome.dialect : null;
      const { limit, scope } = overLimit;
      log.warn(
        { event: 'connection-refused', peer, dialect, limit, scope },
        scope === 'source' ? 'too many connections from one address' : 'too many connections',
      );
      hooks.refused?.(peer, dialect);
      refuseConnection(socket, dialect, limit, scope);
      return;
    }
    if (outcome.kind === 'silent') {
      handlers.silent?.answer(socket, peer);
      return;
    }
    if (outcome.kind === 'timeout') {
      handlers.unrecognised(socket, peer, { kind: 'timeout', received: outcome.received });
      return;
    }
    const { dialect, bytes } = outcome;
    const handle = this.handlerOf(dialect);
    if (!handle) {
      handlers.unrecognised(socket, peer, { kind: 'dialect', dialect });
      return;
    }
    hooks.sniffed?.(peer, dialect);
    if (dialect !== 'http') {
      // HTTP has its own idle timeout (Node's server.timeout, set from the same limit).
      closeWhenIdle(socket, limits.idleTimeoutMs, () =>
        log.info({ event: 'idle-timeout', peer, dialect }, 'idle connection closed'),
      );
    }
    socket.unshift(bytes); // the handler reads the stream from its first byte
    // A drain that began while this one was sniffing is not announced to it: its first request
    // is already in the sniffed bytes, and each dialect refuses that in its own words.
    this.sockets.set(socket, handle(socket, peer));
  }

  private handlerOf(dialect: Dialect): ((socket: Socket, peer: string) => Connection) | null {
    const { handlers } = this.options;
    if (dialect === 'native') return handlers.native.bind(handlers);
    if (dialect === 'http') return handlers.http.bind(handlers);
    if (dialect === 'legacy' && handlers.legacy) return handlers.legacy.bind(handlers);
    return null;
  }
}
