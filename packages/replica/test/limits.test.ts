import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { FrameDecoder, encodeMessage, encodePreamble, type Message } from '@cdn-lab/protocol';
import { setup } from './harness.js';
import { rawHttp } from './http-helpers.js';
import { TestClient } from './test-client.js';
import { bytesOf, gate } from './test-origin.js';

/** Collects the frames a server sends on a raw socket until it closes. */
function framesUntilClose(socket: Socket): Promise<Message[]> {
  const decoder = new FrameDecoder({ expectPreamble: false });
  const messages: Message[] = [];
  socket.on('data', (chunk: Buffer) => messages.push(...decoder.push(chunk).messages));
  socket.on('error', () => undefined);
  return once(socket, 'close').then(() => messages);
}

async function rawSocket(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

describe('replica connection limits', () => {
  it('closes a native client that trickles a frame one byte at a time', async (t) => {
    const readTimeoutMs = 400;
    const { replica } = await setup(t, { limits: { readTimeoutMs } });
    const socket = await rawSocket(replica.endpoint.port);
    const frames = framesUntilClose(socket);
    socket.write(encodePreamble());
    // A get frame header announcing 60 bytes, then one byte every 50 ms: it would need 3 s.
    const header = Buffer.from([0, 0, 0, 60, 0x03]);
    const startedAt = Date.now();
    let sent = 0;
    const trickle = setInterval(() => {
      if (!socket.writable) return;
      socket.write(header.subarray(sent % 5, (sent % 5) + 1));
      sent += 1;
    }, 50);
    t.after(() => clearInterval(trickle));
    const messages = await frames;
    clearInterval(trickle);
    const elapsed = Date.now() - startedAt;
    assert.ok(elapsed < 2_000, `closed after ${elapsed} ms, not kept while bytes trickle`);
    assert.deepEqual(
      messages.map((m) => (m.type === 'error' ? m.code : m.type)),
      ['timeout'],
    );
  });

  it('closes a native connection idle longer than the idle timeout', async (t) => {
    const { replica, client } = await setup(t, { limits: { idleTimeoutMs: 300 } });
    const c = await client();
    await c.ping();
    const startedAt = Date.now();
    await c.closed;
    assert.ok(Date.now() - startedAt >= 250, 'not closed before the idle timeout');
    // A busy connection is not idle: pings every 100 ms keep another one open past it.
    const busy = await TestClient.connect(replica.endpoint.port);
    t.after(() => busy.close());
    for (let seq = 1; seq <= 6; seq += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal((await busy.ping(seq)).seq, seq);
    }
  });

  it('refuses connections beyond the maximum in each dialect, and serves again below it', async (t) => {
    const { origin, replica, client } = await setup(t, { limits: { maxConnections: 2 } });
    origin.put('/a.bin', bytesOf(1000));
    const first = await client();
    const second = await client();
    await first.ping();
    await second.ping();

    const native = await rawSocket(replica.endpoint.port);
    const refused = framesUntilClose(native);
    native.write(encodePreamble());
    const [frame] = await refused;
    assert.equal(frame?.type, 'error');
    assert.equal(frame.type === 'error' && frame.code, 'too_many_connections');

    const http = await rawHttp(replica.endpoint.port, 'GET /a.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(http.text, /^HTTP\/1\.1 503 /);
    assert.match(http.text, /too many connections/);

    first.close();
    await first.closed;
    const again = await client();
    const fetched = await again.fetch('/a.bin');
    assert.equal(fetched.bytes.length, 1000);
  });

  it('one address holding connections past its share does not lock out another address', async (t) => {
    const { origin, replica } = await setup(t, {
      limits: { maxConnections: 6, maxConnectionsPerSource: 3 },
    });
    origin.put('/a.bin', bytesOf(1000));
    // The flood: 127.0.0.1 opens as many connections as the replica takes and holds them.
    const flood = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const socket = await rawSocket(replica.endpoint.port);
        t.after(() => socket.destroy());
        const decoder = new FrameDecoder({ expectPreamble: false });
        const first = new Promise<Message | undefined>((resolve) =>
          socket.on('data', (chunk: Buffer) => resolve(decoder.push(chunk).messages[0])),
        );
        socket.on('error', () => undefined);
        socket.write(Buffer.concat([encodePreamble(), encodeMessage({ type: 'ping', seq: 1 })]));
        return first;
      }),
    );
    const refusals = flood.filter((message) => message?.type === 'error');
    assert.equal(flood.filter((message) => message?.type === 'pong').length, 3);
    assert.equal(refusals.length, 3);
    for (const refusal of refusals) {
      assert.ok(refusal?.type === 'error' && refusal.code === 'too_many_connections');
      assert.match(refusal.message, /from your address/);
    }
    const http = await rawHttp(replica.endpoint.port, 'GET /a.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(http.text, /^HTTP\/1\.1 503 [^]*from your address/);

    const elsewhere = await TestClient.connect(replica.endpoint.port, '127.0.0.1', '127.0.0.2');
    t.after(() => elsewhere.close());
    const fetched = await elsewhere.fetch('/a.bin');
    assert.equal(fetched.bytes.length, 1000);
  });

  it('answers 431 to too many header fields and to headers over the byte limit', async (t) => {
    const { origin, replica } = await setup(t, {
      limits: { maxHeaders: 10, maxHeaderBytes: 2048 },
    });
    origin.put('/a.bin', bytesOf(10));
    const ok = await rawHttp(
      replica.endpoint.port,
      'GET /a.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(ok.text, /^HTTP\/1\.1 200 /);
    const many = Array.from({ length: 11 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const tooMany = await rawHttp(
      replica.endpoint.port,
      `GET /a.bin HTTP/1.1\r\nHost: x\r\n${many}\r\n`,
    );
    assert.match(tooMany.text, /^HTTP\/1\.1 431 /);
    const big = await rawHttp(
      replica.endpoint.port,
      `GET /a.bin HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`,
    );
    assert.match(big.text, /^HTTP\/1\.1 431 /);
  });

  it('closes an HTTP client that trickles its request head', async (t) => {
    const { replica } = await setup(t, { limits: { readTimeoutMs: 400 } });
    const socket = await rawSocket(replica.endpoint.port);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    const request = 'GET /a.bin HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100) + '\r\n\r\n';
    let sent = 0;
    const trickle = setInterval(() => {
      if (socket.writable && sent < request.length) socket.write(request[sent++] ?? '');
    }, 50);
    t.after(() => clearInterval(trickle));
    const startedAt = Date.now();
    await once(socket, 'close');
    clearInterval(trickle);
    assert.ok(Date.now() - startedAt < 2_000, 'closed long before the head was complete');
    assert.ok(sent < request.length);
    assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 408 /);
  });

  it('takes 64 pipelined gets on one connection, and refuses a 65th while they wait', async (t) => {
    const { origin, replica } = await setup(t);
    const origins = gate();
    // The first get of each connection stays in service until the test lets the origin go on.
    origin.put('/held-64.bin', bytesOf(100), { holdAfter: 10, release: origins.promise });
    origin.put('/held-65.bin', bytesOf(100), { holdAfter: 10, release: origins.promise });
    const pipeline = async (count: number): Promise<Message[]> => {
      const socket = await rawSocket(replica.endpoint.port);
      const path = `/held-${count}.bin`;
      const gets = Array.from({ length: count }, () =>
        encodeMessage({ type: 'get', path, offset: 0 }),
      );
      socket.write(Buffer.concat([encodePreamble(), ...gets]));
      const decoder = new FrameDecoder({ expectPreamble: false });
      const messages: Message[] = [];
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => {
        socket.on('data', (chunk: Buffer) => {
          messages.push(...decoder.push(chunk).messages);
          const ends = messages.filter((message) => message.type === 'end').length;
          if (ends === count || messages.some((message) => message.type === 'error')) resolve();
        });
        socket.once('close', () => resolve());
      });
      socket.destroy();
      return messages;
    };
    const refused = pipeline(65);
    const taken = pipeline(64);
    const [first] = (await refused).filter((message) => message.type === 'error');
    assert.equal(first?.type === 'error' && first.code, 'bad_request', 'the 65th is refused');
    assert.match(first?.type === 'error' ? first.message : '', /more than 64 requests/);
    origins.open();
    const answers = await taken;
    assert.equal(answers.filter((message) => message.type === 'error').length, 0);
    assert.equal(answers.filter((message) => message.type === 'end').length, 64, 'all answered');
  });
});
