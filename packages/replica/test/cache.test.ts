import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTRY_OVERHEAD_BYTES } from '../src/cache/entry-cost.js';
import { setup } from './harness.js';
import { assertFetched } from './test-client.js';
import { bytesOf } from './test-origin.js';

describe('cache', { timeout: 20_000 }, () => {
  it('evicts the least recently used objects to stay within cacheBytes, and refetches them', async (t) => {
    // Three 1000-byte objects and their bookkeeping (entry, paths, URL and headers) fit, not four.
    const cacheBytes = 3 * (1000 + ENTRY_OVERHEAD_BYTES + 200);
    const { origin, replica, client, logEvents } = await setup(t, { cacheBytes });
    const objects = new Map(
      ['/a', '/b', '/c', '/d'].map((path, i) => [path, bytesOf(1000, i + 1)]),
    );
    for (const [path, bytes] of objects) origin.put(path, bytes);
    const c = await client();
    const fetch = async (path: string): Promise<string> => {
      const result = await c.fetch(path);
      assertFetched(result, objects.get(path) as Buffer);
      assert.ok(replica.loadReport().cachedBytes <= 3000, 'cached bytes stay within the cap');
      return result.object.cache;
    };
    await fetch('/a');
    await fetch('/b');
    await fetch('/c');
    assert.equal(await fetch('/a'), 'hit', '/a is now the most recently used');
    await fetch('/d'); // evicts /b, the least recently used
    assert.equal(replica.loadReport().cachedObjects, 3);
    assert.equal(await fetch('/a'), 'hit');
    assert.equal(await fetch('/c'), 'hit');
    assert.equal(await fetch('/b'), 'miss', 'an evicted object is fetched again');
    assert.equal(origin.bodiesSent('/b'), 2);
    assert.equal(origin.bodiesSent('/a'), 1);
    const evicted = (await logEvents()).filter((line) => line['event'] === 'evict');
    assert.deepEqual(
      evicted.map((line) => line['path']),
      ['/b', '/d'],
    );
  });

  it('streams an object bigger than the cache through without keeping it', async (t) => {
    const { origin, replica, client } = await setup(t, { cacheBytes: 1024 * 1024 });
    const bytes = bytesOf(24 * 1024 * 1024, 5);
    origin.put('/huge.bin', bytes);
    const c = await client();
    assertFetched(await c.fetch('/huge.bin'), bytes);
    assert.equal(replica.loadReport().cachedBytes, 0);
    assertFetched(await c.fetch('/huge.bin', 20_000_000), bytes, 20_000_000);
    assert.equal(origin.bodiesSent('/huge.bin'), 2);
  });

  it('revalidates with the ETag after the TTL: 304 keeps the copy, a new ETag brings new bytes', async (t) => {
    const { origin, client, replica } = await setup(t, { ttlMs: 0 });
    const conditionals: boolean[] = [];
    replica.events.on('origin-fetch', (fetch: { conditional: boolean }) =>
      conditionals.push(fetch.conditional),
    );
    const first = bytesOf(50_000, 1);
    origin.put('/page', first, { etag: '"v1"' });
    const c = await client();
    assert.equal((await c.fetch('/page')).object.cache, 'miss');

    const again = await c.fetch('/page');
    assertFetched(again, first);
    assert.equal(again.object.cache, 'revalidated');
    assert.deepEqual(
      origin.requestsFor('/page').map((r) => [r.conditional, r.status]),
      [
        [false, 200],
        [true, 304],
      ],
    );

    const second = bytesOf(60_000, 2);
    origin.put('/page', second, { etag: '"v2"' });
    const changed = await c.fetch('/page');
    assertFetched(changed, second);
    assert.equal(changed.object.etag, '"v2"');
    assert.equal(origin.requestsFor('/page').at(-1)?.status, 200);
    assert.deepEqual(conditionals, [false, true, true]);
  });

  it('serves the stale copy when the origin is down, and says so', async (t) => {
    const { origin, client, logEvents } = await setup(t, { ttlMs: 0 });
    const bytes = bytesOf(40_000, 4);
    origin.put('/kept', bytes);
    const c = await client();
    assertFetched(await c.fetch('/kept'), bytes);
    await origin.stop();

    const stale = await c.fetch('/kept');
    assertFetched(stale, bytes);
    assert.equal(stale.object.cache, 'stale');
    const lines = await logEvents();
    const serveStale = lines.find((line) => line['event'] === 'serve-stale');
    assert.ok(serveStale, 'serve-stale is logged');
    assert.match(String(serveStale['reason']), /refused|reset|closed/);

    const startedAt = Date.now();
    const missing = await c.get('/never-cached');
    assert.ok('type' in missing, 'an error frame');
    assert.equal(missing.code, 'origin_unavailable');
    assert.ok(Date.now() - startedAt < 2000, 'the error comes quickly');
  });
});
