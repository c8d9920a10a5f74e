import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect, type Socket } from 'node:net';
import {
  FrameDecoder,
  encodeMessage,
  encodePreamble,
  type EndMessage,
  type ErrorMessage,
  type Message,
  type ObjectMessage,
  type PongMessage,
} from '@cdn-lab/protocol';
import { sha256 } from './test-origin.js';

export interface Fetched {
  object: ObjectMessage;
  bytes: Buffer;
  end: EndMessage;
}

/**
 * A small native-protocol client for tests. Emits 'message' for every decoded message, so a
 * test can await the first data frame.
 */
export class TestClient extends EventEmitter {
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder({ expectPreamble: false });
  private readonly inbox: Message[] = [];
  private waiter: { resolve: (m: Message) => void; reject: (e: Error) => void } | null = null;
  private ended = false;

  private constructor(readonly socket: Socket) {
    super();
    this.closed = once(socket, 'close').then(() => undefined);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const { messages, error } = this.decoder.push(chunk);
      for (const message of messages) this.deliver(message);
      if (error) socket.destroy(error);
    });
    socket.once('close', () => {
      this.ended = true;
      this.waiter?.reject(new Error('connection closed'));
      this.waiter = null;
    });
  }

  /** `localAddress`: the loopback address to connect from (another client machine). */
  static async connect(
    port: number,
    host = '127.0.0.1',
    localAddress?: string,
  ): Promise<TestClient> {
    const socket = connect({ port, host, localAddress });
    await once(socket, 'connect');
    socket.write(encodePreamble());
    return new TestClient(socket);
  }

  send(message: Message): void {
    this.socket.write(encodeMessage(message));
  }

  next(): Promise<Message> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async ping(seq = 1): Promise<PongMessage> {
    this.send({ type: 'ping', seq });
    const reply = await this.next();
    if (reply.type !== 'pong') throw new Error(`expected pong, got ${reply.type}`);
    return reply;
  }

  /** Sends a get and collects the whole answer: object, data, end; or the error frame. */
  async get(path: string | null, offset = 0): Promise<Fetched | ErrorMessage> {
    this.send({ type: 'get', path, offset });
    const first = await this.next();
    if (first.type === 'error') return first;
    if (first.type !== 'object') throw new Error(`expected object, got ${first.type}`);
    const parts: Buffer[] = [];
    for (;;) {
      const message = await this.next();
      if (message.type === 'data') parts.push(message.bytes);
      else if (message.type === 'end')
        return { object: first, bytes: Buffer.concat(parts), end: message };
      else throw new Error(`unexpected ${message.type} during a transfer`);
    }
  }

  /** Like get, but fails the test on an error frame. */
  async fetch(path: string | null, offset = 0): Promise<Fetched> {
    const result = await this.get(path, offset);
    if ('type' in result) throw new Error(`error frame ${result.code}: ${result.message}`);
    return result;
  }

  close(): void {
    this.socket.destroy();
  }

  private deliver(message: Message): void {
    this.emit('message', message);
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(message);
    } else {
      this.inbox.push(message);
    }
  }
}

/** Asserts that a fetch carried exactly `expected` (from `offset`) with a correct digest. */
export function assertFetched(fetched: Fetched, expected: Buffer, offset = 0): void {
  assert.equal(fetched.object.size, expected.length, 'object size');
  assert.equal(fetched.object.offset, offset, 'object offset');
  assert.equal(fetched.end.size, expected.length, 'end size');
  assert.equal(fetched.end.sha256, sha256(expected), 'end sha256 is the origin bytes digest');
  assert.equal(fetched.bytes.length, expected.length - offset, 'bytes received');
  assert.ok(fetched.bytes.equals(expected.subarray(offset)), 'bytes equal the origin bytes');
}
