import { ByteQueue } from './byte-queue.js';
import { decodePayload } from './codec.js';
import {
  FRAME_HEADER_LENGTH,
  MAGIC,
  PREAMBLE_LENGTH,
  PROTOCOL_VERSION,
  isFrameType,
  maxPayloadFor,
  type FrameTypeCode,
} from './constants.js';
import { ProtocolError } from './errors.js';
import type { Message } from './messages.js';

export interface DecodeResult {
  messages: Message[];
  /** Set once the stream is malformed; the decoder then refuses all further input. */
  error: ProtocolError | null;
}

export interface DecoderOptions {
  /** Servers expect the magic/version preamble first; clients do not. */
  expectPreamble: boolean;
}

/**
 * Incremental frame decoder: feed it chunks with any boundaries, get whole messages back.
 * It never buffers more than one frame's maximum size, because a frame header announcing
 * more than its type allows is rejected before its payload arrives.
 */
export class FrameDecoder {
  private readonly queue = new ByteQueue();
  private awaitingPreamble: boolean;
  private pending: { type: FrameTypeCode; length: number } | null = null;
  private failure: ProtocolError | null = null;

  constructor(options: DecoderOptions) {
    this.awaitingPreamble = options.expectPreamble;
  }

  /** True while a preamble or frame has begun to arrive but is not complete. */
  get midFrame(): boolean {
    return this.failure === null && (this.queue.length > 0 || this.pending !== null);
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  push(chunk: Buffer): DecodeResult {
    const messages: Message[] = [];
    if (this.failure) return { messages, error: this.failure };
    this.queue.push(chunk);
    try {
      for (let message = this.next(); message; message = this.next()) messages.push(message);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.failure = error;
    }
    return { messages, error: this.failure };
  }

  private next(): Message | null {
    if (this.awaitingPreamble && !this.readPreamble()) return null;
    if (!this.pending) {
      if (this.queue.length < FRAME_HEADER_LENGTH) return null;
      const header = this.queue.take(FRAME_HEADER_LENGTH);
      const length = header.readUInt32BE(0);
      const type = header.readUInt8(4);
      if (!isFrameType(type)) {
        throw new ProtocolError('unknown_type', `unknown frame type 0x${type.toString(16)}`);
      }
      const max = maxPayloadFor(type);
      if (length > max) {
        throw new ProtocolError(
          'frame_too_large',
          `frame type 0x${type.toString(16)} announces ${length} bytes; the limit is ${max}`,
        );
      }
      this.pending = { type, length };
    }
    if (this.queue.length < this.pending.length) return null;
    const { type, length } = this.pending;
    this.pending = null;
    return decodePayload(type, this.queue.take(length));
  }

  private readPreamble(): boolean {
    const seen = Math.min(this.queue.length, MAGIC.length);
    if (!this.queue.peek(seen).equals(MAGIC.subarray(0, seen))) {
      throw new ProtocolError('bad_magic', 'the connection did not start with the CDNL preamble');
    }
    if (this.queue.length < PREAMBLE_LENGTH) return false;
    const version = this.queue.take(PREAMBLE_LENGTH).readUInt8(MAGIC.length);
    if (version !== PROTOCOL_VERSION) {
      throw new ProtocolError(
        'unsupported_version',
        `protocol version ${version} is not supported; this build speaks version ${PROTOCOL_VERSION}`,
      );
    }
    this.awaitingPreamble = false;
    return true;
  }
}

/** What a native client writes first on every connection. */
export function encodePreamble(): Buffer {
  return Buffer.concat([MAGIC, Buffer.from([PROTOCOL_VERSION])]);
}
