import type { Socket } from 'node:net';
import { sniffDialect, type Dialect } from '@cdn-lab/protocol';

export type SniffOutcome =
  | { kind: 'dialect'; dialect: Dialect; bytes: Buffer }
  /** Nothing recognisable (maybe nothing at all) within the timeout. */
  | { kind: 'timeout'; received: number }
  | { kind: 'closed' };

/**
 * Reads a connection's first bytes until they name a dialect. On a decision the socket is left
 * paused with no 'data' listener of ours, so the caller can unshift the bytes and hand it on.
 */
export function sniffSocket(socket: Socket, timeoutMs: number): Promise<SniffOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (outcome: SniffOutcome): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      const bytes = chunks.length === 1 ? chunk : Buffer.concat(chunks);
      const dialect = sniffDialect(bytes);
      if (dialect === 'incomplete') return;
      socket.pause();
      settle({ kind: 'dialect', dialect, bytes });
    };
    const onClose = (): void => settle({ kind: 'closed' });
    const timer = setTimeout(() => settle({ kind: 'timeout', received }), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** Puts the sniffed bytes back so the next reader sees the stream from its first byte. */
export function handBack(socket: Socket, bytes: Buffer): void {
  socket.unshift(bytes);
}
