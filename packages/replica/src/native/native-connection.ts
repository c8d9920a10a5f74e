import type { Socket } from 'node:net';
import { ReadDeadline } from '@cdn-lab/common';
import { FrameDecoder, type ErrorCode, type GetMessage, type Message } from '@cdn-lab/protocol';
import { serveObjectRequest } from '../request/request-lifecycle.js';
import type { ConnectionContext } from '../server/connection-context.js';
import type { DialectHandler } from '../server/dialect-handler.js';
import { FrameWriter } from './frame-writer.js';
import { NativeAnswer } from './native-answer.js';

const CLOSE_GRACE_MS = 5_000;
const MAX_QUEUED_GETS = 64;

/**
 * One native-protocol connection (its dialect already sniffed, its first bytes put back):
 * answers pings at once, and serves `get` requests one after another (pipelined ones wait in
 * a queue).
 */
export class NativeConnection implements DialectHandler {
  private readonly writer: FrameWriter;
  private readonly decoder = new FrameDecoder({ expectPreamble: true });
  private readonly queue: GetMessage[] = [];
  private busy = false;
  /** A connection that asked for an object is a data connection; one that only pings is a probe. */
  private askedForData = false;
  private closing = false;
  private readonly deadline: ReadDeadline;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    readonly peer: string,
  ) {
    this.writer = new FrameWriter(socket);
    this.deadline = new ReadDeadline(ctx.limits.readTimeoutMs, () =>
      this.protocolError(
        'timeout',
        `a frame did not arrive whole within ${ctx.limits.readTimeoutMs} ms`,
      ),
    );
    socket.once('close', () => this.deadline.clear());
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
    this.deadline.update(!this.closing && this.decoder.midFrame);
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
        if (this.queue.length >= MAX_QUEUED_GETS) {
          this.protocolError(
            'bad_request',
            `more than ${MAX_QUEUED_GETS} requests waiting on one connection`,
          );
          return;
        }
        this.queue.push(message);
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
      for (let get = this.queue.shift(); get && !this.closing; get = this.queue.shift()) {
        await this.serve(get);
      }
    } finally {
      this.busy = false;
    }
    if (this.ctx.isDraining() && this.askedForData) this.endGracefully('draining');
  }

  private async serve(get: GetMessage): Promise<void> {
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
      { dialect: 'native', path: get.path, offset: get.offset, peer: this.peer },
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
