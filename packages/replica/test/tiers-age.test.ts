import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAge } from '../src/cache/object-age.js';
import { RawHttpConnection, httpGet } from './http-helpers.js';
import { TestOrigin, bytesOf } from './test-origin.js';
import { at, edge, shields, tierReplica } from './tiers-harness.js';

/** Waits until `ms` after `start`: the test's subject is time itself (TTLs of a second). */
async function until(start: number, ms: number): Promise<void> {
  await sleep(Math.max(0, start + ms - Date.now()));
}

describe("an edge's copy is as old as its parent's (Age)", { timeout: 30_000 }, () => {
  it('reads an Age header as RFC 9111 says: whole seconds, anything else ignored', () => {
    assert.equal(parseAge('5'), 5);
    assert.equal(parseAge([' 7 ', '9']), 7);
    assert.equal(parseAge(undefined), null);
    assert.equal(parseAge('-1'), null);
    assert.equal(parseAge('1.5'), null);
    assert.equal(parseAge('99999999999'), 2 ** 31);
  });

  it('counts the age its upstream said, on the fast path and the general path', async (t) => {
    const upstream = createServer((req, res) => {
      res.writeHead(200, { 'Content-Length': 3, ETag: '"u"', Age: '5' }).end('abc');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    t.after(() => upstream.close());
    const { port } = upstream.address() as AddressInfo;
    const replica = await tierReplica(t, `http://127.0.0.1:${port}`);
    const first = await httpGet(replica.endpoint.port, '/aged');
    assert.equal(first.headers.age, '5', 'its upstream said 5 s (and half a second)');
    const connection = await RawHttpConnection.open(replica.endpoint.port);
    t.after(() => connection.close());
    const before = replica.status().http.fastAnswers;
    connection.send('GET /aged HTTP/1.1\r\nHost: x\r\n\r\n');
    const fast = await connection.next();
    assert.equal(replica.status().http.fastAnswers, before + 1, 'a fast answer');
    assert.match(fast.head, /\r\nX-Cache: hit\r\n/);
    assert.match(fast.head, /\r\nAge: 5\r\n/);
  });

  it('an origin change reaches the edge within one TTL, not two', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const v1 = bytesOf(6_000, 1);
    const v2 = bytesOf(6_000, 2);
    origin.put('/live', v1, { etag: '"v1"' });
    const tier = await shields(t, origin.url, 1, { ttlMs: 1_000 });
    const front = await edge(t, origin.url, tier.parents, { ttlMs: 1_000 });
    const start = Date.now();
    const atShield = await httpGet(at(tier.shields, 0).endpoint.port, '/live');
    assert.equal(atShield.headers.age, '0', 'a fresh copy is 0 s old');
    await until(start, 100);
    origin.put('/live', v2, { etag: '"v2"' });
    await until(start, 900);
    const early = await httpGet(front.endpoint.port, '/live');
    assert.ok(early.body.equals(v1), "the shield's copy, still fresh there");
    await until(start, 1_800);
    const late = await httpGet(front.endpoint.port, '/live');
    assert.ok(late.body.equals(v2), 'the new bytes: the copy was 0.9 s old when the edge took it');
  });

  it("a shield's stale copy (its origin down) is stale at the edge too: asked again, not a hit", async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(5_000, 3);
    origin.put('/down', bytes, { etag: '"d"' });
    const tier = await shields(t, origin.url, 1, { ttlMs: 0 });
    const id = at(tier.shields, 0).endpoint.id;
    await httpGet(at(tier.shields, 0).endpoint.port, '/down');
    await origin.stop();
    const front = await edge(t, origin.url, tier.parents);
    const first = await httpGet(front.endpoint.port, '/down');
    assert.equal(first.headers['x-cache'], `miss; parent=${id} (stale)`);
    const second = await httpGet(front.endpoint.port, '/down');
    assert.equal(second.headers['x-cache'], `revalidated; parent=${id} (stale)`);
    assert.ok(second.body.equals(bytes));
  });
});
