import type { Socket } from 'node:net';
import {
  LEGACY_MAX_PAYLOAD,
  LegacyFlag,
  LegacyHeaderReader,
  encodeLegacyPacket,
  nextLegacySeq,
  type LegacyPacket,
} from '@cdn-lab/protocol';
import type { DialectHandler } from '../server/dialect-handler.js';
import type { ConnectionContext } from '../native/native-connection.js';
import type { Lease } from '../cache/object-store.js';

/** The original client is stop-and-wait; one that stops answering is cut off after this. */
const IDLE_TIMEOUT_MS = 30_000;

type State = 'await-syn' | 'preparing' | 'await-ack' | 'done';

/**
 * The original project's replica conversation (docs: legacy-wire.md): after the client's SYN,
 * the default object goes out in packets of at most 512 bytes, exactly one per round trip —
 * each is written only when the client has acknowledged the one before, because the original
 * reads with recv(524) and takes every read as one packet.
 */
export class LegacyConnection implements DialectHandler {
  private readonly reader = new LegacyHeaderReader();
  private state: State = 'await-syn';
  private lease: Lease | null = null;
  private size = 0;
  private sent = 0;
  private pending: Buffer = Buffer.alloc(0);
  private counted = false;
  private startedAt = Date.now();

  constructor(
    private readonly socket: Socket,
    private readonly ctx: ConnectionContext,
    private readonly peer: string,
  ) {
    socket.setNoDelay(true);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => this.stop('the client stopped answering'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => this.finish('the client closed the connection'));
    socket.resume();
  }

  private get finished(): boolean {
    return this.state === 'done';
  }

  drainStarted(): void {
    if (this.state === 'await-syn') this.stop('draining');
  }

  private onData(chunk: Buffer): void {
    const { packets, error } = this.reader.push(chunk);
    for (const packet of packets) {
      if (this.state === 'done') return;
      this.onPacket(packet);
    }
    if (error) this.stop(error);
  }

  private onPacket(packet: LegacyPacket): void {
    switch (this.state) {
      case 'await-syn':
        if (!(packet.flags & LegacyFlag.SYN)) {
          this.stop('the first legacy packet is not a SYN');
          return;
        }
        if (this.ctx.isDraining()) {
          this.stop('draining');
          return;
        }
        void this.start(packet);
        return;
      case 'await-ack':
        if (this.sent === this.size) {
          this.stop('done');
          return;
        }
        if (packet.flags & LegacyFlag.FIN) {
          this.stop('the client finished early');
          return;
        }
        if (!(packet.flags & LegacyFlag.ACK)) {
          this.stop('expected an ACK');
          return;
        }
        void this.sendNext(packet);
        return;
      default:
        this.stop('the client sent a packet before its answer (not stop-and-wait)');
    }
  }

  private async start(syn: LegacyPacket): Promise<void> {
    this.state = 'preparing';
    this.ctx.transferStarted();
    this.counted = true;
    this.startedAt = Date.now();
    const { log, events } = this.ctx;
    try {
      const target = this.ctx.resolver.resolve(null);
      log.info({ event: 'request', dialect: 'legacy', path: target.path, peer: this.peer }, 'SYN');
      events.emit('request', { path: target.path, offset: 0, peer: this.peer, dialect: 'legacy' });
      const askedAt = performance.now();
      await this.ctx.faults.delayRequest();
      // The format has no error message: an injected error closes the connection.
      if (this.ctx.faults.failsRequest()) throw new Error('injected fault: errorRate');
      const lease = await this.ctx.store.open(target);
      this.ctx.meter.recordResponse(performance.now() - askedAt);
      if (this.finished) {
        lease.cursor.close();
        return;
      }
      this.lease = lease;
      this.size = await lease.body.sizeKnown();
      events.emit('transfer-start', { path: target.path, offset: 0, peer: this.peer });
    } catch (error) {
      this.ctx.requestOutcome(error);
      // The format has no way to say "error": closing is the only answer.
      this.stop(error instanceof Error ? error.message : String(error));
      return;
    }
    await this.sendNext(syn);
  }

  /** Sends the next chunk in answer to `packet` (its ack becomes our seq). */
  private async sendNext(packet: LegacyPacket): Promise<void> {
    const lease = this.lease;
    if (!lease) return;
    this.state = 'preparing';
    let payload: Buffer;
    try {
      payload = await this.nextPayload(lease);
    } catch (error) {
      this.stop(`the origin fetch broke off: ${String(error)}`);
      return;
    }
    if (this.socket.destroyed || this.state !== 'preparing') return;
    this.sent += payload.length;
    const last = this.sent === this.size;
    this.socket.write(
      encodeLegacyPacket({
        seq: packet.ack,
        ack: nextLegacySeq(packet.seq),
        flags: last ? LegacyFlag.SYN | LegacyFlag.FIN : LegacyFlag.SYN,
        payload,
      }),
    );
    this.ctx.meter.recordBytes(payload.length);
    this.state = 'await-ack';
  }

  private async nextPayload(lease: Lease): Promise<Buffer> {
    const want = Math.min(LEGACY_MAX_PAYLOAD, this.size - this.sent);
    while (this.pending.length < want) {
      const piece = await lease.cursor.next();
      if (piece === null) throw new Error('the object ended early');
      this.pending = this.pending.length === 0 ? piece : Buffer.concat([this.pending, piece]);
    }
    const payload = this.pending.subarray(0, want);
    this.pending = this.pending.subarray(want);
    return payload;
  }

  private stop(why: string): void {
    if (this.state === 'done') return;
    this.finish(why);
    this.socket.end();
    this.socket.destroySoon();
  }

  private finish(why: string): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const lease = this.lease;
    const path = lease?.target.path ?? null;
    const bytes = this.sent;
    const ms = Date.now() - this.startedAt;
    const complete = lease !== null && this.sent === this.size;
    if (complete) {
      this.ctx.requestOutcome(null);
      this.ctx.log.info(
        { event: 'transfer-done', dialect: 'legacy', path, bytes, ms, peer: this.peer },
        'legacy transfer done',
      );
    } else {
      this.ctx.log[lease ? 'warn' : 'info'](
        { event: 'legacy-end', dialect: 'legacy', path, bytes, peer: this.peer, why },
        'legacy conversation ended',
      );
    }
    if (lease) this.ctx.events.emit('transfer-end', { path, bytes, ms, ok: complete });
    lease?.cursor.close();
    if (this.counted) this.ctx.transferEnded();
    this.counted = false;
  }
}
