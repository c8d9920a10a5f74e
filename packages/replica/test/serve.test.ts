import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import {
  FrameDecoder,
  FrameType,
  encodeFrameHeader,
  encodePreamble,
  type Message,
} from '@cdn-lab/protocol';
import { setup } from './harness.js';
import { assertFetched } from './test-client.js';
import { bytesOf, gate, sha256 } from './test-origin.js';

/** Writes raw bytes on a fresh connection and collects what the replica answers until it closes. */
async function rawExchange(
  port: number,
  bytes: Buffer,
): Promise<{ text: string; messages: Message[] }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.write(bytes);
  await once(socket, 'close');
  const all = Buffer.concat(received);
  const { messages } = new FrameDecoder({ expectPreamble: false }).push(all);
  return { text: all.toString('latin1'), messages };
}

describe('serving objects', { timeout: 20_000 }, () => {
  it('serves an object with its size and sha256, whole and from an offset', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(300_000);
    origin.put('/objects/a.bin', bytes);
    const c = await client();

    const first = await c.fetch('/objects/a.bin');
    assertFetched(first, bytes);
    assert.equal(first.object.path, '/objects/a.bin');
    assert.equal(first.object.cache, 'miss');
    assert.equal(first.object.servedBy, replica.endpoint.id);

    const resumed = await c.fetch('/objects/a.bin', 123_457);
    assertFetched(resumed, bytes, 123_457);
    assert.equal(resumed.object.cache, 'hit');
    assert.equal(resumed.object.sha256, sha256(bytes), 'a cached object announces its digest');

    const atEnd = await c.fetch('/objects/a.bin', bytes.length);
    assertFetched(atEnd, bytes, bytes.length);
    assert.equal(origin.requestsFor('/objects/a.bin').length, 1);
  });

  it('serves an origin response without Content-Length once it is complete', async (t) => {
    const { origin, client } = await setup(t);
    const bytes = bytesOf(70_000, 3);
    origin.put('/chunked.bin', bytes, { contentLength: false });
    const c = await client();
    assertFetched(await c.fetch('/chunked.bin', 5), bytes, 5);
  });

  it('answers an offset past the end with bad_request and stays usable', async (t) => {
    const { origin, client } = await setup(t);
    const bytes = bytesOf(1000);
    origin.put('/small', bytes);
    const c = await client();
    const result = await c.get('/small', 1001);
    assert.ok('type' in result && result.code === 'bad_request', 'bad_request error frame');
    assertFetched(await c.fetch('/small'), bytes);
  });

  it('answers an unknown path with not_found, and the connection stays usable', async (t) => {
    const { origin, client, logEvents } = await setup(t);
    const bytes = bytesOf(5000);
    origin.put('/there', bytes);
    const c = await client();
    const missing = await c.get('/not/there');
    assert.ok('type' in missing, 'an error frame');
    assert.equal(missing.code, 'not_found');
    assert.match(missing.message, /\/not\/there/);
    assertFetched(await c.fetch('/there'), bytes);
    const events = (await logEvents()).map((line) => line['event']);
    assert.ok(events.includes('not-found'), 'the log says not-found');
  });

  it('rejects paths that climb out of the origin with bad_request', async (t) => {
    const { origin, client } = await setup(t);
    const c = await client();
    for (const path of ['/a/../secret', '/%2e%2e/secret', '/a\\b']) {
      const result = await c.get(path);
      assert.ok('type' in result && result.code === 'bad_request', `bad_request for ${path}`);
    }
    assert.equal(origin.requests.length, 0, 'nothing was asked of the origin');
  });

  it('answers a ping with a pong carrying the load, counting a transfer in flight', async (t) => {
    const { origin, client } = await setup(t);
    const bytes = bytesOf(200_000);
    const { promise, open } = gate();
    origin.put('/slow', bytes, { holdAfter: 50_000, release: promise });
    const downloader = await client();
    const probe = await client();

    const before = await probe.ping(1);
    assert.equal(before.seq, 1);
    assert.equal(before.load.activeTransfers, 0);
    assert.equal(before.load.draining, false);

    const firstData = new Promise<void>((resolve) =>
      downloader.on('message', (m: Message) => m.type === 'data' && resolve()),
    );
    const download = downloader.fetch('/slow');
    await firstData;
    const during = await probe.ping(2);
    assert.equal(during.seq, 2);
    assert.equal(during.load.activeTransfers, 1);
    assert.equal(during.load.activeConnections, 2);
    open();
    assertFetched(await download, bytes);

    const after = await probe.ping(3);
    assert.equal(after.load.activeTransfers, 0);
    assert.equal(after.load.cachedObjects, 1);
    assert.equal(after.load.cachedBytes, bytes.length);
    assert.ok(after.load.bytesPerSecond > 0, 'bytes sent in the last second are counted');
  });

  it('closes a connection with an error frame on garbage or an unsupported version, and serves others', async (t) => {
    const { origin, replica, client } = await setup(t);
    const port = replica.endpoint.port;

    const badVersion = await rawExchange(port, Buffer.from([0x43, 0x44, 0x4e, 0x4c, 9]));
    assert.equal(badVersion.messages[0]?.type, 'error');
    assert.equal(
      badVersion.messages[0]?.type === 'error' && badVersion.messages[0].code,
      'unsupported_version',
    );

    const badType = await rawExchange(
      port,
      Buffer.concat([
        encodePreamble(),
        encodeFrameHeader(0x55 as typeof FrameType.Get, 2),
        Buffer.from('{}'),
      ]),
    );
    assert.equal(badType.messages[0]?.type === 'error' && badType.messages[0].code, 'unknown_type');

    const badJson = await rawExchange(
      port,
      Buffer.concat([encodePreamble(), encodeFrameHeader(FrameType.Get, 3), Buffer.from('{{{')]),
    );
    assert.equal(badJson.messages[0]?.type === 'error' && badJson.messages[0].code, 'bad_message');

    const garbage = await rawExchange(
      port,
      Buffer.from('\x00\xffgarbage garbage garbage', 'latin1'),
    );
    assert.equal(garbage.messages.length, 0, 'a foreign dialect is just closed');

    const http = await rawExchange(
      port,
      Buffer.from('GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
    );
    assert.match(http.text, /^HTTP\/1\.1 404 /, 'HTTP on the same port is answered in HTTP');

    const bytes = bytesOf(10_000);
    origin.put('/ok', bytes);
    const c = await client();
    assertFetched(await c.fetch('/ok'), bytes);
  });
});
