/** Where one dialect writes an object's bytes: data frames, an HTTP body, legacy packets. */
export interface ByteSink {
  /** False once the client is gone or the connection is closing. */
  readonly usable: boolean;
  /** Bytes written but not yet taken by the kernel (or, legacy, not yet acknowledged). */
  readonly buffered: number;
  /**
   * How many bytes may wait in `buffered` before the pump waits for writable(): large for
   * stream dialects (fewer event-loop turns per chunk), 0 for stop-and-wait.
   */
  readonly window: number;
  /** The largest piece one write takes (a legacy packet's payload); Infinity for streams. */
  readonly maxWrite: number;
  write(bytes: Buffer): void;
  /** Resolves when more may be written, or when the sink became unusable. */
  writable(): Promise<void>;
}

/**
 * How much a stream dialect (native, HTTP) queues on its socket before waiting for it to
 * drain. Waiting each time write() reports the socket's high-water mark cost an event-loop
 * turn per cached chunk and fed the kernel one chunk at a time; the queued buffers are the
 * cached chunks themselves (no copies), so a larger window costs no memory.
 */
export const STREAM_SEND_WINDOW_BYTES = 4 * 1024 * 1024;
