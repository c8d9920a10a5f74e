import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { describe, it } from 'node:test';
import { httpGet } from './http-helpers.js';
import { bytesOf, TestOrigin } from './test-origin.js';
import { startWeighedReplica, type Weight } from './weighed-replica.js';

const MiB = 1024 * 1024;

function liveBytes(weight: Weight): number {
  return weight.heapUsed + weight.external;
}

describe('cache memory', { timeout: 120_000 }, () => {
  it('counts each entry, not just its bytes: many tiny variants stay within --cache-bytes, in memory too', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const tiny = bytesOf(398);
    const warmUp = 200;
    const variants = 12_000;
    for (let i = 0; i < warmUp; i += 1) origin.put(`/tiny.bin?warm=${i}`, tiny);
    for (let i = 0; i < variants; i += 1) origin.put(`/tiny.bin?v=${i}`, tiny);
    const cacheBytes = 4 * MiB;
    const replica = await startWeighedReplica(t, { origin: origin.url, cacheBytes });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    t.after(() => agent.destroy());
    const fetchAll = async (paths: string[]): Promise<void> => {
      for (let i = 0; i < paths.length; i += 8) {
        const answers = await Promise.all(
          paths.slice(i, i + 8).map((path) => httpGet(replica.port, path, { agent })),
        );
        for (const answer of answers) assert.equal(answer.status, 200);
      }
    };
    // The same code paths once, so the baseline holds what any first requests set up.
    await fetchAll(Array.from({ length: warmUp }, (_, i) => `/tiny.bin?warm=${i}`));
    const before = await replica.weigh();
    await fetchAll(Array.from({ length: variants }, (_, i) => `/tiny.bin?v=${i}`));
    const after = await replica.weigh();

    const { cache } = after;
    assert.ok(cache.evictions > 0, 'the variants overflowed the cache');
    assert.ok(cache.usedBytes <= cacheBytes, `${cache.usedBytes} bytes used of ${cacheBytes}`);
    assert.ok(cache.bytes <= cacheBytes);
    const grown = liveBytes(after) - liveBytes(before);
    const perEntry = Math.round(grown / cache.objects);
    assert.ok(
      grown <= cacheBytes,
      `${cache.objects} cached variants grew the live memory by ${grown} bytes (${perEntry} ` +
        `a variant), more than the ${cacheBytes} bytes of --cache-bytes`,
    );
    t.diagnostic(
      `${cache.objects} entries, ${cache.usedBytes} bytes used; live memory +${grown} bytes ` +
        `(${perEntry} an entry); rss ${Math.round(after.rss / MiB)} MiB`,
    );
  });
});
