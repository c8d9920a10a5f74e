import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_TOPOLOGY_FILE,
  linkBetween,
  loadTopology,
  parseReprDigest,
  rendezvousOrder,
} from '@cdn-lab/common';
import { demoOrigin } from './demo-origin.js';
import { httpGet } from './http-helpers.js';
import { assertFetched } from './test-client.js';
import { TestOrigin, bytesOf, gate, sha256 } from './test-origin.js';
import { edge, nativeClient, shields, at } from './tiers-harness.js';

describe('two cache tiers', { timeout: 30_000 }, () => {
  it('serve every demo object byte for byte through edge and shield, each tier fetching it once', async (t) => {
    const site = await demoOrigin(t);
    const tier = await shields(t, site.url, 2);
    const front = await edge(t, site.url, tier.parents);
    const ids = tier.shields.map((shield) => shield.endpoint.id);
    for (const object of site.objects) {
      const first = await httpGet(front.endpoint.port, object.path);
      assert.equal(first.status, 200, object.path);
      assert.equal(sha256(first.body), object.sha256, `${object.path}: the bytes`);
      assert.equal(parseReprDigest(first.headers['repr-digest']), object.sha256, 'the digest');
      const xCache = String(first.headers['x-cache']);
      const match = /^miss; parent=(\S+) \(miss\)$/.exec(xCache);
      assert.ok(match && ids.includes(match[1] as string), `${object.path}: X-Cache ${xCache}`);
      const again = await httpGet(front.endpoint.port, object.path);
      assert.equal(again.headers['x-cache'], 'hit');
      assert.ok(again.body.equals(first.body));
    }
    const native = await nativeClient(t, front);
    for (const object of site.objects) {
      const fetched = await native.fetch(object.path);
      assert.equal(fetched.end.sha256, object.sha256, `${object.path} over the native protocol`);
    }
    const shieldFetches = tier.shields.map((shield) => shield.status().cache.originFetches);
    assert.equal(at(shieldFetches, 0) + at(shieldFetches, 1), site.objects.length, 'one each');
    // Each object's home is its shield by rendezvous hashing (the ports vary, so the split does).
    const endpoints = tier.shields.map((shield) => shield.endpoint);
    const homes = tier.shields.map(
      (shield) =>
        site.objects.filter(
          (object) => rendezvousOrder(object.path, endpoints)[0]?.id === shield.endpoint.id,
        ).length,
    );
    assert.deepEqual(shieldFetches, homes, 'each shield fetched the objects it is home to');
    const status = front.status();
    assert.equal(status.tier, 'edge');
    assert.equal(status.cache.parentFetches, site.objects.length);
    assert.equal(status.cache.originFetches, 0);
    assert.equal(at(tier.shields, 0).status().tier, 'shield');
    const pong = await native.ping();
    assert.equal(pong.load.tier, 'edge');
    assert.equal(pong.load.parentFetches, site.objects.length);
    assert.deepEqual(
      pong.load.parents?.map((parent) => parent.state),
      ['up', 'up'],
    );
  });

  it('collapse at each tier: 16 edges (2 clients each) missing one object at once make 1 origin fetch', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(300_000, 3);
    const release = gate();
    origin.put('/big.bin', bytes, { digest: true, holdAfter: 1000, release: release.promise });
    const tier = await shields(t, origin.url, 2);
    const edges = await Promise.all(
      Array.from({ length: 16 }, () => edge(t, origin.url, tier.parents)),
    );
    let shieldRequests = 0;
    const allAsked = new Promise<void>((resolve) => {
      for (const shield of tier.shields) {
        shield.events.on('request', () => (shieldRequests += 1) === edges.length && resolve());
      }
    });
    // Two clients on each edge: each edge asks its parent once for both.
    const clients = await Promise.all([...edges, ...edges].map((front) => nativeClient(t, front)));
    const fetches = clients.map((client) => client.fetch('/big.bin'));
    // Every edge has asked before the origin goes on, so all of them wait on one fetch.
    await allAsked;
    release.open();
    for (const fetched of await Promise.all(fetches)) assertFetched(fetched, bytes);
    assert.equal(origin.requestsFor('/big.bin').length, 1, 'one origin fetch in all');
    const perShield = tier.shields.map((shield) => shield.status().cache.originFetches);
    assert.deepEqual([...perShield].sort(), [0, 1], 'the object has one home among the shields');
    for (const front of edges) assert.equal(front.status().cache.parentFetches, 1);
  });

  it('with a topology, an edge fetches from its parent across the link to the parent’s region', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/far.bin', bytesOf(1_000, 5));
    const tier = await shields(t, origin.url, 1);
    // The shield at 127.0.0.1 is in no region's range: taken to be in the origin's (us).
    const front = await edge(t, origin.url, tier.parents, {
      region: 'eu',
      topology: DEFAULT_TOPOLOGY_FILE,
    });
    const oneWayMs = linkBetween(loadTopology(DEFAULT_TOPOLOGY_FILE), 'eu', 'us').delayMs;
    const startedAt = performance.now();
    const answer = await httpGet(front.endpoint.port, '/far.bin');
    const ms = performance.now() - startedAt;
    assert.equal(
      answer.headers['x-cache'],
      `miss; parent=${at(tier.shields, 0).endpoint.id} (miss)`,
    );
    assert.ok(ms >= 2 * oneWayMs, `a round trip eu-us at least: ${ms.toFixed(1)} ms`);
    assert.equal(
      origin.requestsFor('/far.bin').length,
      1,
      'asked by the shield, which has no link',
    );
  });

  it('cut ranges at the edge from whole objects fetched through the shield', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(100_000, 8);
    origin.put('/video.bin', bytes, { digest: true });
    const tier = await shields(t, origin.url, 1);
    const front = await edge(t, origin.url, tier.parents);
    const part = await httpGet(front.endpoint.port, '/video.bin', {
      headers: { Range: 'bytes=1000-1999' },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${bytes.length}`);
    assert.ok(part.body.equals(bytes.subarray(1000, 2000)));
    const rest = await httpGet(front.endpoint.port, '/video.bin', {
      headers: { Range: 'bytes=99000-' },
    });
    assert.equal(rest.headers['x-cache'], 'hit', 'the edge holds the whole object');
    assert.ok(rest.body.equals(bytes.subarray(99_000)));
    assert.equal(origin.bodiesSent('/video.bin'), 1);
  });
});
