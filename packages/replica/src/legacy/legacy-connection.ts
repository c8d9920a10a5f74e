import type { Socket } from 'node:net';
import { ReadBackpressure } from '@cdn-lab/common';
import { LegacyFlag, LegacyHeaderReader, type LegacyPacket } from '@cdn-lab/protocol';
import { serveObjectRequest } from '../request/request-lifecycle.js';
import type { ConnectionContext } from '../server/connection-context.js';
import type { DialectHandler } from '../server/dialect-handler.js';
import { LegacyAnswer } from './legacy-answer.js';
import { LegacyPacketSink } from './legacy-packet-sink.js';

/** The original client is stop-and-wait; one that stops answering is cut off after this. */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * The original project's replica conversation (docs: legacy-wire.md): a SYN asks for the
 * default object, which goes out through the common request lifecycle in stop-and-wait
 * packets; the conversation ends after the acknowledgement of the last one.
 */
export class LegacyConnection implements DialectHandler {
  private readonly reader = new LegacyHeaderReader();
  private sink: LegacyPacketSink | null = null;
  private done = false;
  private readonly backpressure: ReadBackpressure;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    private readonly peer: string,
  ) {
    this.backpressure = new ReadBackpressure(socket);
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => this.stop('the client stopped answering'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => this.end('the client closed the connection'));
    socket.resume();
  }

  drainStarted(): void {
    if (!this.sink) this.stop('draining');
  }

  private onData(chunk: Buffer): void {
    const { packets, error } = this.reader.push(chunk);
    for (const packet of packets) {
      if (this.done) return;
      this.onPacket(packet);
    }
    if (error) this.stop(error);
    this.backpressure.afterChunk();
  }

  private onPacket(packet: LegacyPacket): void {
    if (this.sink) {
      const endsWith = this.sink.receive(packet);
      if (endsWith !== null) this.stop(endsWith);
      return;
    }
    if (!(packet.flags & LegacyFlag.SYN)) {
      this.stop('the first legacy packet is not a SYN');
      return;
    }
    if (this.ctx.isDraining()) {
      this.stop('draining');
      return;
    }
    this.sink = new LegacyPacketSink(this.socket, packet);
    void serveObjectRequest(
      this.ctx,
      {
        dialect: 'legacy',
        path: null,
        offset: 0,
        peer: this.peer,
        client: this.ctx.clientOf(this.socket),
      },
      new LegacyAnswer(this.sink, (why) => this.stop(why)),
    );
  }

  private stop(why: string): void {
    if (this.done) return;
    this.end(why);
    this.socket.end();
    this.socket.destroySoon();
  }

  private end(why: string): void {
    if (this.done) return;
    this.done = true;
    this.sink?.close();
    this.ctx.log.info(
      { event: 'connection-end', dialect: 'legacy', peer: this.peer, why },
      'legacy conversation ended',
    );
  }
}
