import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { listen, type Logger } from '@cdn-lab/common';
import {
  FrameDecoder,
  encodeMessage,
  sniffDialect,
  type ErrorMessage,
  type Message,
  type RouteOkMessage,
} from '@cdn-lab/protocol';

export type RouteAnswer = RouteOkMessage | ErrorMessage;

export interface RouteServerOptions {
  /** Decides one route request, synchronously, so answers leave in request order. */
  decide: (path: string | null, peer: string) => RouteAnswer;
  log: Logger;
  /** How long a connection may stay silent before its dialect is known. */
  sniffTimeoutMs?: number;
}

const DEFAULT_SNIFF_TIMEOUT_MS = 10_000;
const NOT_IMPLEMENTED_BODY = 'cdn-balancer: HTTP routing is not available in this version\n';
const NOT_IMPLEMENTED =
  'HTTP/1.1 501 Not Implemented\r\n' +
  'Content-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(NOT_IMPLEMENTED_BODY)}\r\n` +
  'Connection: close\r\n\r\n' +
  NOT_IMPLEMENTED_BODY;

/**
 * The balancer's listening socket: sniffs each connection's dialect, then answers every native
 * `route` frame, in order, with the decision. Anything malformed gets an error frame and the
 * connection is ended.
 */
export class RouteServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: RouteServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await listen(this.server, host, port, 'balancer');
    return this.server.address() as AddressInfo;
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

  private accept(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const { log } = this.options;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    log.info({ event: 'connection-opened', peer }, 'client connected');
    let start = Buffer.alloc(0);
    let decoder: FrameDecoder | null = null;
    let finished = false;
    const sniffTimer = setTimeout(() => {
      log.info({ event: 'sniff-timeout', peer }, 'connection sent nothing recognisable; closed');
      socket.destroy();
    }, this.options.sniffTimeoutMs ?? DEFAULT_SNIFF_TIMEOUT_MS);

    const finish = (): void => {
      finished = true;
      socket.end();
    };

    socket.on('data', (chunk: Buffer) => {
      if (finished) return;
      if (decoder) {
        this.feed(socket, peer, decoder, chunk, finish);
        return;
      }
      start = Buffer.concat([start, chunk]);
      const dialect = sniffDialect(start);
      if (dialect === 'incomplete') return;
      clearTimeout(sniffTimer);
      if (dialect === 'native') {
        decoder = new FrameDecoder({ expectPreamble: true });
        this.feed(socket, peer, decoder, start, finish);
        return;
      }
      log.info({ event: 'unsupported-dialect', peer, dialect }, `${dialect} client refused`);
      if (dialect === 'http') socket.write(NOT_IMPLEMENTED);
      finish();
    });
    socket.on('drain', () => socket.resume());
    socket.on('error', (error: NodeJS.ErrnoException) => {
      log.debug({ event: 'connection-error', peer, error: error.code ?? error.message }, 'error');
    });
    socket.on('close', () => {
      clearTimeout(sniffTimer);
      this.sockets.delete(socket);
      log.info({ event: 'connection-closed', peer }, 'client disconnected');
    });
  }

  private feed(
    socket: Socket,
    peer: string,
    decoder: FrameDecoder,
    chunk: Buffer,
    finish: () => void,
  ): void {
    const { log } = this.options;
    const { messages, error } = decoder.push(chunk);
    for (const message of messages) {
      if (message.type !== 'route') {
        this.send(socket, {
          type: 'error',
          code: 'unexpected_message',
          message: `the balancer only answers route frames, not ${message.type}`,
        });
        log.info({ event: 'protocol-error', peer, code: 'unexpected_message' }, message.type);
        finish();
        return;
      }
      this.send(socket, this.options.decide(message.path, peer));
    }
    if (error) {
      log.info({ event: 'protocol-error', peer, code: error.code }, error.message);
      this.send(socket, { type: 'error', code: error.code, message: error.message });
      finish();
    }
  }

  /** Pauses reading while the client does not read its answers. */
  private send(socket: Socket, message: Message): void {
    if (!socket.write(encodeMessage(message))) socket.pause();
  }
}
