import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { LegacyFlag, encodeLegacyPacket, type Message } from '@cdn-lab/protocol';
import type { TransferEndEvent } from '../src/index.js';
import { setup } from './harness.js';
import { metricValue } from './prometheus-text.js';

/** Every replica metric carries its tier (`edge` unless told). */
const EDGE = { tier: 'edge' };
import { bytesOf } from './test-origin.js';

const SIZE = 300_000;

async function bytesSent(adminUrl: string): Promise<number | null> {
  const text = await (await fetch(`${adminUrl}metrics`)).text();
  return metricValue(text, 'cdn_replica_bytes_sent_total', EDGE);
}

/** Sends a raw request and reads until the replica closes the connection. */
async function rawExchange(port: number, bytes: Buffer | string): Promise<Buffer> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  socket.write(bytes);
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

describe('one request lifecycle for every dialect', { timeout: 30_000 }, () => {
  it('an injected reset counts the bytes written before the cut, over HTTP as over native', async (t) => {
    const { origin, replica, client } = await setup(t, {
      admin: { port: 0 },
      faults: { resetRate: 1 },
    });
    origin.put('/big', bytesOf(SIZE));
    const adminUrl = replica.admin?.url ?? '';
    const ends: TransferEndEvent[] = [];
    replica.events.on('transfer-end', (end) => ends.push(end));

    const c = await client();
    let nativeData = 0;
    c.on('message', (message: Message) => {
      if (message.type === 'data') nativeData += message.bytes.length;
    });
    await assert.rejects(c.get('/big'), /connection closed/);
    assert.equal(await bytesSent(adminUrl), SIZE / 2, 'native: half the object, counted');

    const http = await rawExchange(replica.endpoint.port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    const headEnd = http.indexOf('\r\n\r\n');
    const body = headEnd < 0 ? http.subarray(0, 0) : http.subarray(headEnd + 4);
    assert.ok(body.length < SIZE, `the HTTP client got ${body.length} bytes: a short body`);
    assert.equal(await bytesSent(adminUrl), SIZE, 'HTTP: the other half, counted too');
    assert.ok(nativeData <= SIZE / 2);
    assert.deepEqual(
      ends.map((end) => [end.dialect, end.ok, end.bytes]),
      [
        ['native', false, SIZE / 2],
        ['http', false, SIZE / 2],
      ],
    );
  });

  it('an injected error over legacy is a request error with a code, as in the other dialects', async (t) => {
    const { replica, logEvents } = await setup(
      t,
      { defaultObject: '/page.html', faults: { errorRate: 1 } },
      (origin) => origin.put('/page.html', bytesOf(2000)),
    );
    const syn = encodeLegacyPacket({ seq: 12345, ack: 0, flags: LegacyFlag.SYN });
    assert.equal((await rawExchange(replica.endpoint.port, syn)).length, 0, 'closed, unanswered');
    await rawExchange(replica.endpoint.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const failures = (await logEvents()).filter((line) => line.event === 'request-failed');
    assert.deepEqual(
      failures.map((line) => [line.dialect, line.code]),
      [
        ['legacy', 'internal'],
        ['http', 'internal'],
      ],
    );
    assert.equal(replica.loadReport().transfersFailed, 2, 'both count against the replica');
  });
});
