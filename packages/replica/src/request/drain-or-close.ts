import type { EventEmitter } from 'node:events';

/** Something written to that says when it can take more (a socket, an HTTP response). */
export interface DrainingStream extends EventEmitter {
  readonly writableNeedDrain: boolean;
}

/** Resolves when the stream can take more ('drain'), or at once when it need not wait, or on 'close'. */
export function drainOrClose(stream: DrainingStream, usable: boolean): Promise<void> {
  if (!usable || !stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
