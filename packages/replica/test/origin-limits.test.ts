import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { startReplica } from '../src/index.js';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import { TestClient, assertFetched } from './test-client.js';
import { bytesOf, gate } from './test-origin.js';

describe('origin fetch limits', () => {
  it('refuses an object announced larger than the limit with too_large (native) and 502 (HTTP)', async (t) => {
    const { origin, replica, client } = await setup(t, { maxObjectBytes: 10_000 });
    origin.put('/big.bin', bytesOf(10_001));
    origin.put('/fits.bin', bytesOf(10_000));
    const c = await client();
    const refused = await c.get('/big.bin');
    assert.ok('type' in refused && refused.type === 'error');
    assert.equal(refused.code, 'too_large');
    assert.match(refused.message, /at most 10000 bytes/);
    assertFetched(await c.fetch('/fits.bin'), bytesOf(10_000));
    const http = await httpGet(replica.endpoint.port, '/big.bin');
    assert.equal(http.status, 502);
  });

  it('refuses an object of unannounced size once it grows past the limit, and does not cache it', async (t) => {
    const { origin, replica, client } = await setup(t, { maxObjectBytes: 50_000 });
    origin.put('/chunked.bin', bytesOf(200_000), { contentLength: false });
    const c = await client();
    const refused = await c.get('/chunked.bin');
    assert.ok('type' in refused && refused.type === 'error');
    assert.equal(refused.code, 'too_large');
    assert.match(refused.message, /grew past the limit of 50000 bytes/);
    assert.equal(replica.status().cache.objects, 0);
  });

  it('gives up on an origin fetch that exceeds the total timeout, though bytes were flowing', async (t) => {
    const release = gate();
    t.after(() => release.open());
    const { origin, client } = await setup(t, {
      originTimeoutMs: 10_000,
      originTotalTimeoutMs: 300,
    });
    origin.put('/slow.bin', bytesOf(100_000), { holdAfter: 1000, release: release.promise });
    const c = await client();
    const startedAt = Date.now();
    await assert.rejects(c.get('/slow.bin'), /connection closed/);
    assert.ok(Date.now() - startedAt < 5_000, 'cut by the total timeout, not the idle one');
  });

  it('retries an unreachable origin a bounded number of times with backoff, then fails with origin_unavailable', async (t) => {
    let attempts = 0;
    const resetting = createServer((socket) => {
      attempts += 1;
      socket.resetAndDestroy();
    });
    resetting.listen(0, '127.0.0.1');
    await once(resetting, 'listening');
    t.after(() => resetting.close());
    const port = (resetting.address() as AddressInfo).port;
    const replica = await startReplica({
      port: 0,
      origin: `http://127.0.0.1:${port}`,
      originRetries: 2,
    });
    t.after(() => replica.close());
    const c = await TestClient.connect(replica.endpoint.port);
    t.after(() => c.close());
    const startedAt = Date.now();
    const answer = await c.get('/x.bin');
    const elapsed = Date.now() - startedAt;
    assert.ok('type' in answer && answer.type === 'error');
    assert.equal(answer.code, 'origin_unavailable');
    assert.equal(attempts, 3, 'one attempt and two retries');
    assert.ok(elapsed >= 300, `backoff of 100 + 200 ms between attempts (took ${elapsed} ms)`);
    assert.ok(elapsed < 3_000, 'and still fails fast');
  });

  it('does not retry an origin whose answer had started (a head dripped a byte at a time)', async (t) => {
    let connections = 0;
    const head = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n',
    );
    const dripping = createServer((socket) => {
      connections += 1;
      socket.on('error', () => undefined);
      let at = 0;
      const drip = setInterval(() => {
        if (at < head.length) socket.write(head.subarray(at, at + 1));
        at += 1;
      }, 25);
      socket.once('close', () => clearInterval(drip));
    });
    dripping.listen(0, '127.0.0.1');
    await once(dripping, 'listening');
    t.after(() => dripping.close());
    const port = (dripping.address() as AddressInfo).port;
    const replica = await startReplica({
      port: 0,
      origin: `http://127.0.0.1:${port}`,
      originTimeoutMs: 400,
      originRetries: 2,
    });
    t.after(() => replica.close());
    const c = await TestClient.connect(replica.endpoint.port);
    t.after(() => c.close());
    const answer = await c.get('/drip.txt');
    assert.ok('type' in answer && answer.type === 'error');
    assert.equal(answer.code, 'origin_error', answer.message);
    assert.match(answer.message, /began to answer.*not complete within 400 ms/);
    assert.equal(connections, 1, 'an answer that started is not asked again');
  });

  it('stays within its byte cap under many distinct concurrent misses', async (t) => {
    const cacheBytes = 50_000;
    const { origin, replica } = await setup(t, { cacheBytes });
    const count = 60;
    for (let i = 0; i < count; i += 1) origin.put(`/o${i}.bin`, bytesOf(4_000 + i * 10, i + 1));
    let peak = 0;
    const sample = (): void => {
      peak = Math.max(peak, replica.status().cache.bytes);
    };
    replica.events.on('transfer-end', sample);
    replica.events.on('origin-fetch', sample);
    const clients = await Promise.all(
      Array.from({ length: count }, () => TestClient.connect(replica.endpoint.port)),
    );
    t.after(() => clients.forEach((c) => c.close()));
    const results = await Promise.all(clients.map((c, i) => c.fetch(`/o${i}.bin`)));
    results.forEach((fetched, i) => assertFetched(fetched, bytesOf(4_000 + i * 10, i + 1)));
    sample();
    assert.ok(peak <= cacheBytes, `cache peaked at ${peak} bytes, cap ${cacheBytes}`);
    assert.ok(replica.status().cache.evictions > 0, 'the load did overflow the cache');
  });
});
