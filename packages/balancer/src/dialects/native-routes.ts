import type { Socket } from 'node:net';
import { ReadDeadline, type Logger } from '@cdn-lab/common';
import { FrameDecoder, encodeMessage, type Message } from '@cdn-lab/protocol';
import type { Decide } from '../routing/route-types.js';

/**
 * A native connection (its first bytes put back): answers every `route` frame, in order, with
 * the decision; anything malformed gets an error frame and the connection is ended.
 */
export function serveNativeRoutes(
  socket: Socket,
  peer: string,
  decide: Decide,
  log: Logger,
  readTimeoutMs: number,
): void {
  const decoder = new FrameDecoder({ expectPreamble: true });
  let finished = false;
  const finish = (): void => {
    finished = true;
    deadline.clear();
    socket.end();
  };
  const deadline = new ReadDeadline(readTimeoutMs, () => {
    if (finished) return;
    log.info({ event: 'protocol-error', peer, code: 'timeout' }, 'frame not whole in time');
    send({
      type: 'error',
      code: 'timeout',
      message: `a frame did not arrive whole within ${readTimeoutMs} ms`,
    });
    finish();
    setTimeout(() => socket.destroy(), 1000).unref();
  });
  socket.once('close', () => deadline.clear());
  /** Pauses reading while the client does not read its answers. */
  const send = (message: Message): void => {
    if (!socket.write(encodeMessage(message))) socket.pause();
  };
  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    const { messages, error } = decoder.push(chunk);
    // Answers to pipelined routes leave in one write (writev) instead of one syscall each.
    socket.cork();
    try {
      answer(messages, error);
    } finally {
      socket.uncork();
    }
    if (!finished) deadline.update(decoder.midFrame);
  });
  const answer = (messages: Message[], error: ReturnType<FrameDecoder['push']>['error']): void => {
    for (const message of messages) {
      if (message.type !== 'route') {
        send({
          type: 'error',
          code: 'unexpected_message',
          message: `the balancer only answers route frames, not ${message.type}`,
        });
        log.info({ event: 'protocol-error', peer, code: 'unexpected_message' }, message.type);
        finish();
        return;
      }
      send(decide(message.path, peer, { dialect: 'native' }));
    }
    if (error) {
      log.info({ event: 'protocol-error', peer, code: error.code }, error.message);
      send({ type: 'error', code: error.code, message: error.message });
      finish();
    }
  };
  socket.on('drain', () => socket.resume());
  socket.resume();
}
