import type { Socket } from 'node:net';
import {
  LEGACY_MAX_PAYLOAD,
  LegacyFlag,
  encodeLegacyPacket,
  nextLegacySeq,
  type LegacyPacket,
} from '@cdn-lab/protocol';
import { whenClosed, type WhenGone } from '../request/announced-size.js';
import type { ByteSink } from '../request/byte-sink.js';

/**
 * The original client's stop-and-wait stream as a byte sink: each write is one packet of at
 * most 512 bytes answering the client's last packet (its ack becomes our seq), and the next
 * may only go out once the client has acknowledged it — the original reads with recv(524)
 * and takes every read as one packet, so two packets must never travel together.
 */
export class LegacyPacketSink implements ByteSink {
  readonly window = 0;
  readonly maxWrite = LEGACY_MAX_PAYLOAD;
  private size: number | null = null;
  private sent = 0;
  private awaitingAck = false;
  private closed = false;
  private wake: (() => void) | null = null;

  /** Tells a wait that the client has gone. */
  readonly whenGone: WhenGone;

  constructor(
    private readonly socket: Socket,
    /** The packet the next write answers: the SYN, then each ACK. */
    private answering: LegacyPacket,
  ) {
    this.whenGone = whenClosed(socket);
  }

  get usable(): boolean {
    return !this.closed && !this.socket.destroyed && this.socket.writable;
  }

  get buffered(): number {
    return this.awaitingAck ? 1 : 0;
  }

  /** The object's size: the write that reaches it carries FIN. */
  expect(size: number): void {
    this.size = size;
  }

  get complete(): boolean {
    return this.size !== null && this.sent === this.size && !this.awaitingAck;
  }

  write(payload: Buffer): void {
    this.sent += payload.length;
    const last = this.sent === this.size;
    this.awaitingAck = true;
    this.socket.write(
      encodeLegacyPacket({
        seq: this.answering.ack,
        ack: nextLegacySeq(this.answering.seq),
        flags: last ? LegacyFlag.SYN | LegacyFlag.FIN : LegacyFlag.SYN,
        payload,
      }),
    );
  }

  /** Resolves once the last packet is acknowledged (or the conversation ended). */
  writable(): Promise<void> {
    if (!this.awaitingAck || !this.usable) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  /**
   * A packet from the client while serving: null when it is the awaited ACK, else why the
   * conversation must end ("done" after the acknowledgement of the last packet).
   */
  receive(packet: LegacyPacket): string | null {
    if (!this.awaitingAck) {
      return this.complete
        ? 'done'
        : 'the client sent a packet before its answer (not stop-and-wait)';
    }
    const last = this.sent === this.size;
    if (!last && packet.flags & LegacyFlag.FIN) return 'the client finished early';
    if (!last && !(packet.flags & LegacyFlag.ACK)) return 'expected an ACK';
    this.answering = packet;
    this.awaitingAck = false;
    this.wakeWriter();
    return last ? 'done' : null;
  }

  close(): void {
    this.closed = true;
    this.wakeWriter();
  }

  private wakeWriter(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
