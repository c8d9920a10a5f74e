import type { Socket } from 'node:net';
import {
  FrameType,
  MAX_DATA_PAYLOAD,
  encodeFrameHeader,
  encodeMessage,
  type Message,
} from '@cdn-lab/protocol';

/** Writes frames to a socket; data frames go out as header + the caller's bytes, uncopied. */
export class FrameWriter {
  constructor(private readonly socket: Socket) {}

  /** Bytes written but not yet handed to the kernel. */
  get buffered(): number {
    return this.socket.writableLength;
  }

  get usable(): boolean {
    return !this.socket.destroyed && this.socket.writable;
  }

  send(message: Message): boolean {
    if (!this.usable) return false;
    return this.socket.write(encodeMessage(message));
  }

  /**
   * Sends bytes as one or more data frames. Returns false when the socket's buffer is full and
   * the caller should wait for writable() before sending more.
   */
  sendData(bytes: Buffer): boolean {
    let ok = true;
    for (let start = 0; start < bytes.length; start += MAX_DATA_PAYLOAD) {
      const piece = bytes.subarray(start, Math.min(bytes.length, start + MAX_DATA_PAYLOAD));
      this.socket.cork();
      this.socket.write(encodeFrameHeader(FrameType.Data, piece.length));
      ok = this.socket.write(piece);
      this.socket.uncork();
    }
    return ok;
  }

  /** Resolves when the socket can take more (drain), or when it is gone (close). */
  writable(): Promise<void> {
    if (!this.usable || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
