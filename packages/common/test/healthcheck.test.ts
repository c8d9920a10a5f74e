import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { test } from 'node:test';
import { FrameDecoder, encodeMessage, type Message } from '@cdn-lab/protocol';
import { askNative, selfAddress } from '../src/process/healthcheck.js';

/** A loopback server that answers the first native frame it receives with `answer(frame)`. */
async function answering(answer: (request: Message) => Message | null): Promise<Server> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder({ expectPreamble: true });
    socket.on('data', (chunk: Buffer) => {
      const [request] = decoder.push(chunk).messages;
      if (!request) return;
      const reply = answer(request);
      if (reply) socket.write(encodeMessage(reply));
      else socket.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

test('askNative sends the message after the preamble and resolves with the answer', async () => {
  const server = await answering((request) =>
    request.type === 'ping'
      ? {
          type: 'pong',
          seq: request.seq,
          load: {
            activeTransfers: 2,
            activeConnections: 1,
            bytesPerSecond: 0,
            eventLoopLagMs: 0,
            draining: false,
            cachedObjects: 0,
            cachedBytes: 0,
          },
        }
      : null,
  );
  try {
    const answer = await askNative('127.0.0.1', portOf(server), { type: 'ping', seq: 7 });
    assert.equal(answer.type, 'pong');
    assert.equal(answer.type === 'pong' && answer.seq, 7);
  } finally {
    server.close();
  }
});

test('askNative rejects when the server closes without answering', async () => {
  const server = await answering(() => null);
  try {
    await assert.rejects(
      askNative('127.0.0.1', portOf(server), { type: 'route', path: null }),
      /closed without an answer/,
    );
  } finally {
    server.close();
  }
});

test('askNative rejects when nothing listens', async () => {
  const server = await answering(() => null);
  const port = portOf(server);
  server.close();
  await once(server, 'close');
  await assert.rejects(askNative('127.0.0.1', port, { type: 'ping', seq: 1 }), /ECONNREFUSED/);
});

test('askNative gives up after its timeout when the server stays silent', async () => {
  const silent = createServer(() => undefined);
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    await assert.rejects(
      askNative('127.0.0.1', portOf(silent), { type: 'ping', seq: 1 }, 100),
      /no answer within 100 ms/,
    );
  } finally {
    silent.close();
  }
});

test('selfAddress reaches a wildcard listener on this machine and keeps other hosts', () => {
  assert.equal(selfAddress('0.0.0.0'), '127.0.0.1');
  assert.equal(selfAddress('::'), '::1');
  assert.equal(selfAddress('127.0.1.4'), '127.0.1.4');
});
