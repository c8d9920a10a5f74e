import type { Socket } from 'node:net';
import { ReadBackpressure, ReadDeadline, type Logger } from '@cdn-lab/common';
import {
  FrameDecoder,
  encodeMessage,
  encodeMessages,
  type ControlMessage,
  type Message,
} from '@cdn-lab/protocol';
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
  // A frame we stopped reading (the client does not read its answers) is not the client's delay.
  const updateDeadline = (): void => {
    if (!finished) deadline.update(!backpressure.holding && decoder.midFrame);
  };
  const backpressure = new ReadBackpressure(socket, updateDeadline);
  const send = (message: Message): void => {
    socket.write(encodeMessage(message));
  };
  socket.on('data', (chunk: Buffer) => {
    if (finished) return;
    const { messages, error } = decoder.push(chunk);
    // The answers to a chunk's pipelined routes leave in one buffer and one write.
    const answers: ControlMessage[] = [];
    const refused = answer(messages, error, answers);
    if (answers.length > 0) socket.write(encodeMessages(answers));
    if (refused) finish();
    backpressure.afterChunk();
    updateDeadline();
  });
  /** Appends the answers to `into`; true when the connection is to be ended after them. */
  const answer = (
    messages: Message[],
    error: ReturnType<FrameDecoder['push']>['error'],
    into: ControlMessage[],
  ): boolean => {
    for (const message of messages) {
      if (message.type !== 'route') {
        into.push({
          type: 'error',
          code: 'unexpected_message',
          message: `the balancer only answers route frames, not ${message.type}`,
        });
        log.info({ event: 'protocol-error', peer, code: 'unexpected_message' }, message.type);
        return true;
      }
      into.push(
        decide(message.path, peer, {
          dialect: 'native',
          region: message.region,
          connection: socket,
        }),
      );
    }
    if (error) {
      log.info({ event: 'protocol-error', peer, code: error.code }, error.message);
      into.push({ type: 'error', code: error.code, message: error.message });
      return true;
    }
    return false;
  };
  socket.resume();
}
