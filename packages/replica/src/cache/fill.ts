import type { Readable } from 'node:stream';
import type { ObjectBody } from './object-body.js';
import { RequestError } from '../request/request-error.js';

export interface PumpLimits {
  /** The body fails when nothing arrives for this long (while not paused by a reader). */
  idleTimeoutMs: number;
  /** The whole body must arrive within this. */
  totalTimeoutMs: number;
  /** A body (of unannounced size) growing past this fails. */
  maxBytes: number;
  /** A body of unannounced size is kept whole only up to this (what the cache could take). */
  holdBytes: number;
}

/**
 * Pumps an origin response into a body. The body can pause the stream (a slow pass-through
 * reader) or abort it; a body that stalls, takes too long or grows too large fails.
 */
export function pumpInto(stream: Readable, body: ObjectBody, limits: PumpLimits): void {
  const { idleTimeoutMs, totalTimeoutMs, maxBytes, holdBytes } = limits;
  let timer: NodeJS.Timeout | undefined;
  const deadline = setTimeout(() => {
    stream.destroy(
      new Error(`the origin did not deliver the whole object within ${totalTimeoutMs} ms`),
    );
  }, totalTimeoutMs);
  deadline.unref();
  stream.once('close', () => clearTimeout(deadline));
  const armTimer = (): void => {
    clearTimeout(timer);
    if (!body.isFilling || stream.isPaused()) return;
    timer = setTimeout(() => {
      stream.destroy(new Error(`the origin sent nothing for ${idleTimeoutMs} ms`));
    }, idleTimeoutMs);
    timer.unref();
  };
  body.source = {
    pause: () => {
      stream.pause();
      clearTimeout(timer);
    },
    resume: () => {
      stream.resume();
      armTimer();
    },
    abort: (reason) => {
      clearTimeout(timer);
      stream.destroy(reason);
    },
  };
  stream.on('data', (chunk: Buffer) => {
    if (body.received + chunk.length > maxBytes) {
      stream.destroy(
        new RequestError('too_large', `the object grew past the limit of ${maxBytes} bytes`),
      );
      return;
    }
    body.append(chunk);
    if (body.retain && body.size === null && body.received > holdBytes) {
      body.stopRetaining(
        new RequestError(
          'too_large',
          `the object has no Content-Length and grew past the ${holdBytes} bytes this replica can hold; ` +
            'a client that needs the size first cannot be served (HTTP clients get it streamed)',
        ),
      );
    }
    armTimer();
  });
  stream.once('end', () => {
    clearTimeout(timer);
    body.finish();
  });
  stream.once('error', (error: Error) => {
    clearTimeout(timer);
    body.fail(error);
  });
  stream.once('close', () => {
    clearTimeout(timer);
    body.fail(new Error('the origin closed the connection before the whole object arrived'));
  });
  armTimer();
}
