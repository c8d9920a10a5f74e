import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
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

  it('once the origin is found unreachable, stale copies are served and uncached objects refused at once, not after retries', async (t) => {
    const ttlMs = 500;
    const { origin, ids } = await startCluster(t, {
      count: 1,
      network: '127.0.16',
      replicaArgs: ['--ttl', `${ttlMs}ms`],
    });
    const [replica = ''] = ids;
    const paths = ['/objects/1k.bin', '/objects/10k.bin'];
    for (const path of paths) await (await get(replica, path)).arrayBuffer();
    await origin.close();
    // Time passing is the event here: both copies must be older than the TTL.
    await delay(ttlMs + 100);

    const timed = async (path: string): Promise<{ ms: number; cache: string | null }> => {
      const startedAt = performance.now();
      const answer = await get(replica, path);
      await answer.arrayBuffer();
      return { ms: performance.now() - startedAt, cache: answer.headers.get('x-cache') };
    };
    const first = await timed(paths[0] ?? '');
    const second = await timed(paths[1] ?? '');
    assert.equal(first.cache, 'stale');
    assert.equal(second.cache, 'stale');
    // The first tried the origin with its retries (100 + 200 ms); the second knew better.
    assert.ok(first.ms >= 250, `the first stale answer waited for the retries: ${first.ms} ms`);
    assert.ok(
      second.ms < first.ms / 2,
      `the next copy was served at once: ${second.ms} ms against ${first.ms} ms`,
    );
    // An object it never had is refused at once too, naming why: its client fails over to a
    // replica that may have a copy, instead of waiting here for retries bound to fail.
    const startedAt = performance.now();
    const uncached = await get(replica, '/objects/100k.bin');
    const uncachedMs = performance.now() - startedAt;
    assert.equal(uncached.status, 502);
    assert.match(await uncached.text(), /connection refused.*moments ago/);
    assert.ok(uncachedMs < first.ms / 2, `refused at once: ${uncachedMs} ms`);
  });
});
