import type { Readable } from 'node:stream';
import type { ObjectBody } from './object-body.js';

/**
 * Pumps an origin response into a body. The body can pause the stream (a slow pass-through
 * reader) or abort it; a body that stops arriving for `idleTimeoutMs` fails.
 */
export function pumpInto(stream: Readable, body: ObjectBody, idleTimeoutMs: number): void {
  let timer: NodeJS.Timeout | undefined;
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
    body.append(chunk);
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
