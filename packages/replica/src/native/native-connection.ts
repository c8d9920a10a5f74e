import type { Socket } from 'node:net';
import { ReadBackpressure, ReadDeadline } from '@cdn-lab/common';
import { FrameDecoder, type ErrorCode, type GetMessage, type Message } from '@cdn-lab/protocol';
import { serveObjectRequest } from '../request/request-lifecycle.js';
import type { ConnectionContext } from '../server/connection-context.js';
import type { DialectHandler } from '../server/dialect-handler.js';
import type { ServedClient } from '../regions/served-client.js';
import { FrameWriter } from './frame-writer.js';
import { NativeAnswer } from './native-answer.js';

const CLOSE_GRACE_MS = 5_000;
/** Unanswered gets one connection may have, the one being served included. */
export const MAX_QUEUED_GETS = 64;

interface QueuedGet {
  get: GetMessage;
  /** performance.now() at its arrival, taken only for a client region's first-byte times. */
  arrivedAt: number;
}

/**
 * One native-protocol connection (its dialect already sniffed, its first bytes put back):
 * answers pings at once, and serves `get` requests one after another (pipelined ones wait in
 * a queue).
 */
export class NativeConnection implements DialectHandler {
  private readonly writer: FrameWriter;
  private readonly decoder = new FrameDecoder({ expectPreamble: true });
  private readonly queue: QueuedGet[] = [];
  private readonly client: ServedClient | null;
  private busy = false;
  /** A connection that asked for an object is a data connection; one that only pings is a probe. */
  private askedForData = false;
  private closing = false;
  private readonly deadline: ReadDeadline;
  private readonly backpressure: ReadBackpressure;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    readonly peer: string,
  ) {
    this.writer = new FrameWriter(socket);
    this.client = ctx.clientOf(socket);
    this.deadline = new ReadDeadline(ctx.limits.readTimeoutMs, () =>
      this.protocolError(
        'timeout',
        `a frame did not arrive whole within ${ctx.limits.readTimeoutMs} ms`,
      ),
    );
    socket.once('close', () => this.deadline.clear());
    this.backpressure = new ReadBackpressure(socket, () => this.updateDeadline());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      ctx.log.debug(
        { event: 'socket-error', peer: this.peer, reason: error.message },
        'socket error',
      );
    });
    socket.resume();
  }

  get transferring(): boolean {
    return this.busy;
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** Drain started: a data connection with nothing in flight is ended; probes keep going. */
  drainStarted(): void {
    if (this.askedForData && !this.busy) this.endGracefully('draining');
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const { messages, error } = this.decoder.push(chunk);
    for (const message of messages) {
      if (this.closing) return;
      this.onMessage(message);
    }
    if (error && !this.closing) this.protocolError(error.code, error.message);
    this.backpressure.afterChunk();
    this.updateDeadline();
  }

  /** A frame we stopped reading (the peer does not read our answers) is not the peer's delay. */
  private updateDeadline(): void {
    this.deadline.update(!this.closing && !this.backpressure.holding && this.decoder.midFrame);
  }

  private onMessage(message: Message): void {
    switch (message.type) {
      case 'ping':
        if (this.ctx.faults.dropsProbe()) {
          this.ctx.log.debug({ event: 'probe-dropped', peer: this.peer }, 'fault: ping ignored');
          return;
        }
        this.writer.send({ type: 'pong', seq: message.seq, load: this.ctx.loadReport() });
        return;
      case 'get':
        this.askedForData = true;
        if (this.queue.length + (this.busy ? 1 : 0) >= MAX_QUEUED_GETS) {
          this.protocolError(
            'bad_request',
            `more than ${MAX_QUEUED_GETS} requests waiting on one connection`,
          );
          return;
        }
        this.queue.push({ get: message, arrivedAt: this.client ? performance.now() : 0 });
        void this.serveQueue();
        return;
      default:
        this.protocolError(
          'unexpected_message',
          `a replica does not accept "${message.type}" frames`,
        );
    }
  }

  private async serveQueue(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.queue.shift(); next && !this.closing; next = this.queue.shift()) {
        await this.serve(next);
      }
    } finally {
      this.busy = false;
    }
    if (this.ctx.isDraining() && this.askedForData) this.endGracefully('draining');
  }

  private async serve({ get, arrivedAt }: QueuedGet): Promise<void> {
    if (this.ctx.isDraining()) {
      this.sendError('draining', 'this replica is draining; ask another one');
      return;
    }
    const answer = new NativeAnswer(this.writer, get.offset, this.ctx.servedBy(), () => {
      this.closing = true;
      this.socket.destroy();
    });
    await serveObjectRequest(
      this.ctx,
      {
        dialect: 'native',
        path: get.path,
        offset: get.offset,
        peer: this.peer,
        client: this.client,
        arrivedAt,
        ...(get.hops !== undefined ? { hops: get.hops } : {}),
      },
      answer,
    );
  }

  private sendError(code: ErrorCode, message: string): void {
    this.writer.send({ type: 'error', code, message });
  }

  private protocolError(code: ErrorCode, message: string): void {
    this.ctx.log.warn(
      { event: 'protocol-error', peer: this.peer, code, reason: message },
      'protocol error',
    );
    this.sendError(code, message);
    this.endGracefully('protocol error');
  }

  /** Finishes writing what is queued, then closes; a peer that never closes its side is cut off. */
  private endGracefully(why: string): void {
    if (this.closing) return;
    this.closing = true;
    this.queue.length = 0;
    this.ctx.log.info({ event: 'connection-end', peer: this.peer, why }, 'ending connection');
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}
