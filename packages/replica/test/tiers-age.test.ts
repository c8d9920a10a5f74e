import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { httpGet } from './http-helpers.js';
import { TestOrigin, bytesOf } from './test-origin.js';
import { at, edge, shields } from './tiers-harness.js';

/** Waits until `ms` after `start`: the test's subject is time itself (TTLs of a second). */
async function until(start: number, ms: number): Promise<void> {
  await sleep(Math.max(0, start + ms - Date.now()));
}

describe("an edge's copy is as old as its parent's (Age)", { timeout: 30_000 }, () => {
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
