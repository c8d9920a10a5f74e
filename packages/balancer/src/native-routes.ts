import type { Socket } from 'node:net';
import type { Logger } from '@cdn-lab/common';
import { FrameDecoder, encodeMessage, type Message } from '@cdn-lab/protocol';
import type { Decide } from './route-server.js';

/**
 * A native connection (its first bytes put back): answers every `route` frame, in order, with
 * the decision; anything malformed gets an error frame and the connection is ended.
 */
export function serveNativeRoutes(socket: Socket, peer: string, decide: Decide, log: Logger): void {
  const decoder = new FrameDecoder({ expectPreamble: true });
  let finished = false;
  const finish = (): void => {
    finished = true;
    socket.end();
  };
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
