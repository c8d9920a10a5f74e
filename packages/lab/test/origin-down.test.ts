import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError, download } from '@cdn-lab/client';
import { sharedDemoSite, startCluster } from './helpers.js';

async function get(base: string, path: string): Promise<Response> {
  return fetch(`http://${base}${path}`, { signal: AbortSignal.timeout(10_000) });
}

describe('the origin goes down', () => {
  it('cached objects keep being served, marked stale; uncached ones fail fast, naming the cause', async (t) => {
    const site = await sharedDemoSite();
    // --ttl 0: every request revalidates, so a cached copy is "stale" as soon as the origin is gone.
    const { origin, ids, balancer } = await startCluster(t, {
      count: 2,
      network: '127.0.15',
      replicaArgs: ['--ttl', '0'],
    });
    const cachedPath = '/objects/100k.bin';
    for (const id of ids) {
      const warm = await get(id, cachedPath);
      assert.equal(warm.status, 200);
      await warm.arrayBuffer();
    }
    await origin.close();

    for (const id of ids) {
      const stale = await get(id, cachedPath);
      assert.equal(stale.status, 200);
      assert.equal(stale.headers.get('x-cache'), 'stale');
      assert.equal(Buffer.from(await stale.arrayBuffer()).length, 100 * 1024);
    }
    const viaBalancer = await download({
      balancer: balancer.endpoint,
      path: cachedPath,
      sink: null,
    });
    assert.equal(
      viaBalancer.sha256,
      site.manifest.objects.find((o) => o.path === cachedPath)?.sha256,
    );

    const startedAt = Date.now();
    const uncached = await get(ids[0] ?? '', '/objects/1m.bin');
    assert.equal(uncached.status, 502);
    assert.match(await uncached.text(), /connection refused \(is the origin running\?\)/);
    assert.ok(Date.now() - startedAt < 3_000, 'fails fast');

    const clientStartedAt = Date.now();
    await assert.rejects(
      download({ balancer: balancer.endpoint, path: '/objects/1m.bin', sink: null }),
      (error: unknown) =>
        error instanceof ClientError &&
        /origin/.test(error.message) &&
        /refused/.test(error.message),
    );
    assert.ok(Date.now() - clientStartedAt < 3_000, 'the client gives up fast too: one round');
  });
});
