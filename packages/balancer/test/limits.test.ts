import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { startBalancer, type BalancerHandle } from '../src/index.js';
import type { BalancerOptions } from '../src/options.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function balancerWith(limits: BalancerOptions['limits']): Promise<BalancerHandle> {
  const replica = await FakeReplica.start();
  cleanups.push(() => replica.stop());
  const file = await tempServersFile([replica.id]);
  cleanups.push(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    probeIntervalMs: 20,
    limits,
  });
  cleanups.push(() => balancer.close());
  await waitForState(balancer, replica.id, 'up');
  return balancer;
}

async function client(balancer: BalancerHandle): Promise<RouteClient> {
  const opened = await RouteClient.open(balancer.endpoint);
  cleanups.push(() => opened.close());
  return opened;
}

/** Connects, lets `talk` write, and resolves with what the server sent once it closes. */
async function exchange(port: number, talk: (socket: Socket) => void): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  talk(socket);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString('latin1');
}

function rawHttp(port: number, text: string): Promise<string> {
  return exchange(port, (socket) => socket.write(text));
}

/** Writes `text` one byte every 50 ms until the server closes the connection. */
async function trickleHttp(
  port: number,
  text: string,
): Promise<{ answer: string; sent: number; elapsedMs: number }> {
  const startedAt = Date.now();
  let sent = 0;
  const answer = await exchange(port, (socket) => {
    const trickle = setInterval(() => {
      if (socket.writable && sent < text.length) socket.write(text[sent++] ?? '');
    }, 50);
    socket.once('close', () => clearInterval(trickle));
  });
  return { answer, sent, elapsedMs: Date.now() - startedAt };
}

describe('balancer connection limits', () => {
  it('refuses native and HTTP connections beyond the maximum, and routes again below it', async () => {
    const balancer = await balancerWith({ maxConnections: 1 });
    const first = await client(balancer);
    first.route('/a');
    assert.equal((await first.next())?.type, 'route-ok');

    const second = await client(balancer);
    const refusal = await second.next();
    assert.equal(refusal?.type === 'error' && refusal.code, 'too_many_connections');
    await second.closed;
    const http = await rawHttp(balancer.endpoint.port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(http, /^HTTP\/1\.1 503 /);

    await first.close();
    const third = await client(balancer);
    third.route('/a');
    assert.equal((await third.next())?.type, 'route-ok');
  });

  it('one address holding connections past its share does not lock out another address', async () => {
    const balancer = await balancerWith({ maxConnections: 6, maxConnectionsPerSource: 3 });
    // The flood: 127.0.0.1 opens as many connections as the balancer takes and holds them.
    const flood = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const held = await client(balancer);
        held.route('/a');
        return held.next();
      }),
    );
    const refusals = flood.filter((message) => message?.type === 'error');
    assert.equal(flood.filter((message) => message?.type === 'route-ok').length, 3);
    assert.equal(refusals.length, 3);
    for (const refusal of refusals) {
      assert.ok(refusal?.type === 'error' && refusal.code === 'too_many_connections');
      assert.match(refusal.message, /from your address/);
      assert.equal(refusal.retryAfterMs, 1000);
    }
    const http = await rawHttp(balancer.endpoint.port, 'GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(http, /^HTTP\/1\.1 503 [^]*from your address/);

    const elsewhere = await RouteClient.open(balancer.endpoint, true, '127.0.0.2');
    cleanups.push(() => elsewhere.close());
    elsewhere.route('/a');
    assert.equal((await elsewhere.next())?.type, 'route-ok');
  });

  it('closes a native client that trickles a frame, with a timeout error', async () => {
    const balancer = await balancerWith({ readTimeoutMs: 300 });
    const slow = await client(balancer);
    const startedAt = Date.now();
    const header = Buffer.from([0, 0, 0, 40, 0x01]);
    let sent = 0;
    const trickle = setInterval(() => {
      if (slow.socket.writable && sent < header.length)
        slow.socket.write(header.subarray(sent, ++sent));
    }, 50);
    const answer = await slow.next();
    await slow.closed;
    clearInterval(trickle);
    assert.equal(answer?.type === 'error' && answer.code, 'timeout');
    assert.ok(Date.now() - startedAt < 2_000);
  });

  it('closes a native connection idle past the idle timeout', async () => {
    const balancer = await balancerWith({ idleTimeoutMs: 200 });
    const idle = await client(balancer);
    idle.route('/a');
    assert.equal((await idle.next())?.type, 'route-ok');
    const startedAt = Date.now();
    await idle.closed;
    assert.ok(Date.now() - startedAt >= 150);
  });

  it('answers 431 to an HTTP request with too many header fields', async () => {
    const balancer = await balancerWith({ maxHeaders: 5 });
    const many = Array.from({ length: 6 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const answer = await rawHttp(
      balancer.endpoint.port,
      `GET /a HTTP/1.1\r\nHost: x\r\n${many}\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 431 /);
  });

  it('answers 408 to an HTTP request head that does not arrive within the read timeout', async () => {
    const balancer = await balancerWith({ readTimeoutMs: 300 });
    const request = `GET /a HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`;
    const { answer, sent, elapsedMs } = await trickleHttp(balancer.endpoint.port, request);
    assert.ok(sent < request.length, 'closed before the head was complete');
    assert.ok(elapsedMs < 2_000, `closed after ${elapsedMs} ms, not kept while bytes trickle`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });
});
