import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { NegativeCache } from '../src/cache/negative-cache.js';
import { RequestError } from '../src/request/request-error.js';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import type { TestClient } from './test-client.js';

async function askMany(c: TestClient, path: string, times: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < times; i += 1) {
    const answer = await c.get(path);
    codes.push('type' in answer ? answer.code : 'object');
  }
  return codes;
}

describe('negative caching', { timeout: 20_000 }, () => {
  it('asks the origin once for many requests for a missing object, and again after the TTL', async (t) => {
    const ttlMs = 1500;
    const { origin, replica, client } = await setup(t, { negativeTtlMs: ttlMs });
    const c = await client();
    const startedAt = Date.now();
    assert.deepEqual(await askMany(c, '/missing.bin', 20), Array(20).fill('not_found'));
    const http = await httpGet(replica.endpoint.port, '/missing.bin');
    assert.equal(http.status, 404, 'HTTP gets the remembered 404 too');
    assert.ok(Date.now() - startedAt < ttlMs, 'the burst fitted in the TTL');
    assert.equal(origin.requestsFor('/missing.bin').length, 1, 'one origin fetch for 21 requests');

    await delay(ttlMs + 100 - (Date.now() - startedAt));
    assert.deepEqual(await askMany(c, '/missing.bin', 5), Array(5).fill('not_found'));
    assert.equal(origin.requestsFor('/missing.bin').length, 2, 'asked once more after the TTL');
  });

  it('repeats an origin 5xx for at most a second, whatever the negative TTL', async (t) => {
    const { origin, client } = await setup(t, { negativeTtlMs: 60_000 });
    origin.put('/broken.bin', Buffer.alloc(0), { status: 500 });
    const c = await client();
    const startedAt = Date.now();
    assert.deepEqual(await askMany(c, '/broken.bin', 10), Array(10).fill('origin_error'));
    assert.ok(Date.now() - startedAt < 1000, 'the burst fitted in a second');
    assert.equal(origin.requestsFor('/broken.bin').length, 1, 'the 500 was repeated briefly');
    await delay(1100 - (Date.now() - startedAt));
    await askMany(c, '/broken.bin', 1);
    assert.equal(origin.requestsFor('/broken.bin').length, 2, 'a second later it is asked again');
  });

  it('asks the origin every time when the negative TTL is 0', async (t) => {
    const { origin, client } = await setup(t, { negativeTtlMs: 0 });
    const c = await client();
    await askMany(c, '/missing.bin', 5);
    assert.equal(origin.requestsFor('/missing.bin').length, 5);
  });

  it('keeps a bounded number of entries, dropping the oldest first', () => {
    const negatives = new NegativeCache(3);
    const gone = new RequestError('not_found', 'gone');
    for (const key of ['a', 'b', 'c', 'd']) negatives.remember(key, gone, 10_000);
    assert.equal(negatives.count, 3);
    assert.equal(negatives.get('a'), undefined, 'the oldest went first');
    assert.equal(negatives.get('d')?.code, 'not_found');
    assert.equal(negatives.get('d', Date.now() + 10_001), undefined, 'and each expires');
  });
});
