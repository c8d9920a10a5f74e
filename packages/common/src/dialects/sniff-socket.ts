import type { Socket } from 'node:net';
import { sniffDialect, type Dialect } from '@cdn-lab/protocol';

export type SniffOutcome =
  | { kind: 'dialect'; dialect: Dialect; bytes: Buffer }
  /** Not one byte within the silence wait: the original client waiting to be told. */
  | { kind: 'silent' }
  /** Bytes, but no recognisable start, within the timeout (or silence with no silence wait). */
  | { kind: 'timeout'; received: number }
  | { kind: 'closed' };

export interface SniffTimes {
  timeoutMs: number;
  /** 0: silence is not a dialect (the connection just times out). */
  silenceMs: number;
}

/**
 * Reads a connection's first bytes until they name a dialect. On a decision the socket is left
 * paused with no 'data' listener of ours, so the caller can unshift the bytes and hand it on.
 */
export function sniffSocket(socket: Socket, times: SniffTimes): Promise<SniffOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (outcome: SniffOutcome): void => {
      clearTimeout(timeout);
      clearTimeout(silence);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      clearTimeout(silence);
      chunks.push(chunk);
      received += chunk.length;
      const bytes = chunks.length === 1 ? chunk : Buffer.concat(chunks);
      const dialect = sniffDialect(bytes);
      if (dialect === 'incomplete') return;
      socket.pause();
      settle({ kind: 'dialect', dialect, bytes });
    };
    const onClose = (): void => settle({ kind: 'closed' });
    const timeout = setTimeout(() => settle({ kind: 'timeout', received }), times.timeoutMs);
    const silence =
      times.silenceMs > 0
        ? setTimeout(() => settle({ kind: 'silent' }), times.silenceMs)
        : undefined;
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
