import type { Lease } from '../cache/object-store.js';
import type { ByteRange } from '../request/byte-pump.js';
import { announcedSize } from '../request/announced-size.js';
import type { AnswerFraming } from '../request/request-lifecycle.js';
import type { LegacyPacketSink } from './legacy-packet-sink.js';

/**
 * A legacy answer: the whole default object in stop-and-wait packets, the last one with FIN.
 * The format has no header and no error message: a failure closes the connection.
 */
export class LegacyAnswer implements AnswerFraming {
  constructor(
    readonly sink: LegacyPacketSink,
    private readonly stop: (why: string) => void,
  ) {}

  async head(lease: Lease): Promise<ByteRange> {
    const size = await announcedSize(lease, this.sink.whenGone);
    this.sink.expect(size);
    return { start: 0, end: size };
  }

  /** The transfer is done when the client has acknowledged the last packet (or hung up). */
  async finish(lease: Lease): Promise<void> {
    if (lease.body.size === 0) this.sink.write(Buffer.alloc(0));
    await this.sink.writable();
  }

  fail(error: unknown): void {
    this.stop(error instanceof Error ? error.message : String(error));
  }

  logFields(): Record<string, unknown> {
    return {};
  }

  settled(then: () => void): void {
    then();
  }
}
