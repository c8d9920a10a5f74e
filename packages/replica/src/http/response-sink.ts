import type { ServerResponse } from 'node:http';
import { STREAM_SEND_WINDOW_BYTES, type ByteSink } from '../request/byte-sink.js';
import { drainOrClose } from '../request/drain-or-close.js';

/** An HTTP response body as a byte sink, with the same send window as native transfers. */
export class ResponseSink implements ByteSink {
  readonly window = STREAM_SEND_WINDOW_BYTES;
  readonly maxWrite = Number.POSITIVE_INFINITY;

  constructor(private readonly res: ServerResponse) {}

  get usable(): boolean {
    return !this.res.destroyed && this.res.writable;
  }

  get buffered(): number {
    return this.res.writableLength;
  }

  write(bytes: Buffer): void {
    this.res.write(bytes);
  }

  writable(): Promise<void> {
    return drainOrClose(this.res, this.usable);
  }
}
