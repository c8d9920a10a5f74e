import { connect, type Socket } from 'node:net';
import { FrameDecoder, encodeMessage, encodePreamble, type Message } from '@cdn-lab/protocol';

export type FailureKind = 'refused' | 'unreachable' | 'timeout' | 'closed' | 'reset' | 'protocol';

/** A connection that could not be opened or broke; `message` is short and lower-case. */
export class ConnectionFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionFailure';
  }
}

/** Inbound bytes held for a slow consumer before the socket is paused. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;

function describeSocketError(error: NodeJS.ErrnoException): ConnectionFailure {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new ConnectionFailure('refused', 'connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConnectionFailure('unreachable', 'host name not found');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ConnectionFailure('unreachable', 'host unreachable');
    case 'EADDRNOTAVAIL':
      return new ConnectionFailure(
        'unreachable',
        "host unreachable (or the source address is not this host's)",
      );
    case 'ETIMEDOUT':
      return new ConnectionFailure('timeout', 'connection timed out');
    case 'ECONNRESET':
    case 'EPIPE':
      return new ConnectionFailure('reset', 'connection reset');
    default:
      return new ConnectionFailure('reset', error.code ?? error.message);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * A native-protocol client connection: writes the preamble, then frames; reads the server's
 * frames one at a time with `next()`. The socket is paused while too many bytes wait unread,
 * so a slow consumer (a disk) slows the sender down instead of filling memory.
 */
export class FrameConnection {
  private readonly decoder = new FrameDecoder({ expectPreamble: false });
  private readonly queue: Message[] = [];
  private queuedBytes = 0;
  private paused = false;
  private waiter: { resolve: (message: Message) => void; reject: (error: Error) => void } | null =
    null;
  private failure: ConnectionFailure | null = null;
  private idleTimeoutMs: number;

  private constructor(
    private readonly socket: Socket,
    idleTimeoutMs: number,
  ) {
    this.idleTimeoutMs = idleTimeoutMs;
    socket.setTimeout(idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () =>
      this.fail(new ConnectionFailure('timeout', `no data for ${seconds(this.idleTimeoutMs)}`)),
    );
    socket.on('error', (error: NodeJS.ErrnoException) => this.fail(describeSocketError(error)));
    socket.on('close', () =>
      this.fail(new ConnectionFailure('closed', 'the connection was closed')),
    );
    socket.write(encodePreamble());
  }

  /**
   * Connects (from `localAddress` when given: a client placed in a region) and sends the
   * preamble. Rejects with a ConnectionFailure.
   */
  static open(
    host: string,
    port: number,
    timeoutMs: number,
    localAddress?: string,
  ): Promise<FrameConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(
        localAddress === undefined ? { host, port } : { host, port, localAddress },
      );
      socket.setNoDelay(true);
      socket.setTimeout(timeoutMs);
      const settle = (failure: ConnectionFailure | null): void => {
        socket.off('connect', onConnect);
        socket.off('error', onError);
        socket.off('timeout', onTimeout);
        if (failure) {
          socket.destroy();
          reject(failure);
        } else {
          resolve(new FrameConnection(socket, timeoutMs));
        }
      };
      const onConnect = (): void => settle(null);
      const onError = (error: NodeJS.ErrnoException): void => settle(describeSocketError(error));
      const onTimeout = (): void =>
        settle(new ConnectionFailure('timeout', `no connection within ${seconds(timeoutMs)}`));
      socket.once('connect', onConnect);
      socket.once('error', onError);
      socket.once('timeout', onTimeout);
    });
  }

  /** 0 turns the idle timeout off (an idle pooled connection is not a failure). */
  setIdleTimeout(ms: number): void {
    this.idleTimeoutMs = ms;
    if (!this.paused) this.socket.setTimeout(ms);
  }

  send(message: Message): void {
    if (this.failure) throw this.failure;
    this.socket.write(encodeMessage(message));
  }

  /** The next frame from the server; after a failure, frames already received come first. */
  next(): Promise<Message> {
    const message = this.queue.shift();
    if (message) {
      this.release(message);
      return Promise.resolve(message);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) throw new Error('FrameConnection.next() called while already waiting');
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  close(): void {
    this.fail(new ConnectionFailure('closed', 'closed by the client'));
  }

  private onData(chunk: Buffer): void {
    const { messages, error } = this.decoder.push(chunk);
    for (const message of messages) this.deliver(message);
    if (error) {
      // Tell the server what was wrong with its bytes before hanging up, as servers do.
      this.socket.write(encodeMessage({ type: 'error', code: error.code, message: error.message }));
      this.fail(new ConnectionFailure('protocol', `protocol error: ${error.message}`));
    }
  }

  private deliver(message: Message): void {
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(message);
      return;
    }
    this.queue.push(message);
    this.queuedBytes += sizeOf(message);
    if (!this.paused && this.queuedBytes > HIGH_WATER_BYTES) {
      this.paused = true;
      this.socket.pause();
      // A paused socket is quiet because of us, not the server.
      this.socket.setTimeout(0);
    }
  }

  private release(message: Message): void {
    this.queuedBytes -= sizeOf(message);
    if (this.paused && this.queuedBytes < LOW_WATER_BYTES) {
      this.paused = false;
      this.socket.setTimeout(this.idleTimeoutMs);
      this.socket.resume();
    }
  }

  private fail(failure: ConnectionFailure): void {
    if (this.failure) return;
    this.failure = failure;
    this.socket.destroy();
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(failure);
    }
  }
}

function sizeOf(message: Message): number {
  return message.type === 'data' ? message.bytes.length : 256;
}
