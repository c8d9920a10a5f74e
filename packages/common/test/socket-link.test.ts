import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { OutboundLink, throughInboundLink, type LinkSpec } from '../src/index.js';

const link = (fields: Partial<LinkSpec>): LinkSpec => ({
  delayMs: 40,
  jitterMs: 0,
  bytesPerSecond: null,
  loss: 0,
  ...fields,
});

const servers: { close(): void }[] = [];
after(() => servers.forEach((server) => server.close()));

/** A loopback pair: the accepted end and the connecting end. */
async function socketPair(): Promise<{ accepted: Socket; client: Socket }> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [accepted] = (await once(server, 'connection')) as [Socket];
  await once(client, 'connect');
  return { accepted, client };
}

async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('a link on a socket', () => {
  it('makes a request/answer take at least the round trip', async () => {
    const { accepted, client } = await socketPair();
    new OutboundLink(accepted, link({ delayMs: 40 }));
    new OutboundLink(client, link({ delayMs: 40 }));
    accepted.on('data', (chunk: Buffer) => accepted.write(chunk));
    const started = performance.now();
    client.write('ping');
    await once(client, 'data');
    const ms = performance.now() - started;
    assert.ok(ms >= 79, `the echo took ${ms.toFixed(1)} ms, under two one-way delays of 40 ms`);
    client.destroy();
    accepted.destroy();
  });

  it('paces to the bandwidth: 4 MiB over 8 MiB/s takes at least ~0.45 s', async () => {
    const { accepted, client } = await socketPair();
    new OutboundLink(accepted, link({ delayMs: 1, bytesPerSecond: 8 * 1024 * 1024 }));
    const received = readAll(client);
    const started = performance.now();
    const piece = Buffer.alloc(64 * 1024, 7);
    for (let sent = 0; sent < 4 * 1024 * 1024; sent += piece.length) {
      if (!accepted.write(piece)) await once(accepted, 'drain');
    }
    accepted.end();
    const bytes = await received;
    const ms = performance.now() - started;
    assert.equal(bytes.length, 4 * 1024 * 1024);
    assert.ok(ms >= 450, `4 MiB arrived in ${ms.toFixed(0)} ms; 8 MiB/s allows no less than 500`);
  });

  it('delivers every byte in order when end() follows the writes, under jitter', async () => {
    const { accepted, client } = await socketPair();
    new OutboundLink(accepted, link({ delayMs: 2, jitterMs: 5 }));
    const received = readAll(client);
    const sent: Buffer[] = [];
    for (let n = 0; n < 200; n += 1) {
      const piece = Buffer.alloc(1000 + n, n % 256);
      sent.push(piece);
      accepted.write(piece);
      if (n % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    accepted.end();
    assert.ok((await received).equals(Buffer.concat(sent)));
  });

  it('keeps backpressure: a big burst makes write() return false, then drain comes', async () => {
    const { accepted, client } = await socketPair();
    new OutboundLink(accepted, link({ delayMs: 20, bytesPerSecond: 10 * 1024 * 1024 }));
    const received = readAll(client);
    let refused = false;
    const piece = Buffer.alloc(256 * 1024, 1);
    for (let n = 0; n < 16 && !refused; n += 1) refused = !accepted.write(piece);
    assert.ok(refused, 'write() never asked the sender to wait');
    await once(accepted, 'drain');
    accepted.end();
    assert.ok((await received).length > 0);
  });

  it('drops what is queued when the socket is destroyed', async () => {
    const { accepted, client } = await socketPair();
    new OutboundLink(accepted, link({ delayMs: 200 }));
    const received = readAll(client).catch(() => Buffer.alloc(0));
    accepted.write('never sent');
    accepted.destroy();
    assert.equal((await received).length, 0);
  });

  it('tells when a byte has left the link', async () => {
    const { accepted, client } = await socketPair();
    const outbound = new OutboundLink(accepted, link({ delayMs: 30 }));
    const started = performance.now();
    const position = outbound.written;
    const left = new Promise<number>((resolve) =>
      outbound.whenReleased(position, () => resolve(performance.now() - started)),
    );
    accepted.write('answer');
    const ms = await left;
    assert.ok(ms >= 29, `left after ${ms.toFixed(1)} ms, before the 30 ms delay`);
    client.destroy();
    accepted.destroy();
  });
});

describe('a link on incoming bytes', () => {
  it('delays and paces a readable, every byte in order', async () => {
    const chunks = Array.from({ length: 32 }, (_, n) => Buffer.alloc(32 * 1024, n));
    const started = performance.now();
    const linked = throughInboundLink(
      Readable.from(chunks),
      link({ delayMs: 30, bytesPerSecond: 4 * 1024 * 1024 }),
    );
    const parts: Buffer[] = [];
    let firstAt = 0;
    for await (const chunk of linked) {
      if (parts.length === 0) firstAt = performance.now() - started;
      parts.push(chunk as Buffer);
    }
    const ms = performance.now() - started;
    assert.ok(Buffer.concat(parts).equals(Buffer.concat(chunks)));
    assert.ok(firstAt >= 29, `the first byte came after ${firstAt.toFixed(1)} ms`);
    // 1 MiB at 4 MiB/s: 250 ms on the link, and the delay.
    assert.ok(ms >= 270, `1 MiB came through in ${ms.toFixed(0)} ms`);
  });

  it('passes an error of the source on', async () => {
    const source = new Readable({ read() {} });
    const linked = throughInboundLink(source, link({ delayMs: 5 }));
    source.destroy(new Error('origin cut'));
    const [error] = (await once(linked, 'error')) as [Error];
    assert.match(error.message, /origin cut/);
  });
});
