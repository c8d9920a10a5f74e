import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { rendezvousOrder } from '@cdn-lab/common';
import { PARENT_RETRY_FIRST_MS } from '../src/cache/parent-health.js';
import { closedPort } from './closed-port.js';
import { httpGet } from './http-helpers.js';
import { assertFetched, type Fetched } from './test-client.js';
import { TestOrigin, bytesOf, gate, sha256 } from './test-origin.js';
import {
  edge,
  eventually,
  nativeClient,
  parentsFile,
  shields,
  tierReplica,
  at,
} from './tiers-harness.js';

describe('parents failing', { timeout: 30_000 }, () => {
  it('a parent destroyed mid-transfer: the client resumes on another edge and verifies', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(400_000, 7);
    const release = gate();
    origin.put('/movie.bin', bytes, { digest: true, holdAfter: 100_000, release: release.promise });
    const tier = await shields(t, origin.url, 1);
    const first = await edge(t, origin.url, tier.parents);
    const second = await edge(t, origin.url, tier.parents);
    const client = await nativeClient(t, first);
    const received: Buffer[] = [];
    let size = 0;
    const gotBytes = new Promise<void>((resolve) => {
      client.on('message', (message: { type: string; bytes?: Buffer }) => {
        if (message.type !== 'data' || !message.bytes) return;
        received.push(message.bytes);
        size += message.bytes.length;
        if (size >= 100_000) resolve();
      });
    });
    const broken = client.get('/movie.bin').then(
      () => assert.fail('the transfer cannot end whole'),
      () => undefined,
    );
    await gotBytes;
    await at(tier.shields, 0).close();
    await broken;
    release.open();
    // What the client does: the next replica, from the byte it has.
    const resumed = await (await nativeClient(t, second)).fetch('/movie.bin', size);
    assert.equal(resumed.object.size, bytes.length);
    const whole = Buffer.concat([...received, resumed.bytes]);
    assert.equal(sha256(whole), sha256(bytes), 'the joined bytes verify');
    assert.equal(resumed.end.sha256, sha256(bytes));
    assert.match(String(second.status().cache.originFallbacks), /^1$/, 'the second edge fell back');
  });

  it('fail over to the next parent, mark a dead one failed, and try it again later', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    for (let n = 0; n < 40; n += 1) origin.put(`/o${n}`, bytesOf(2_000, n + 1));
    const live = await tierReplica(t, origin.url, { tier: 'shield' });
    const deadPort = await closedPort();
    const deadId = `127.0.0.1:${deadPort}`;
    const parents = await parentsFile(t, [deadId, live.endpoint.id]);
    const said: string[] = [];
    const front = await edge(t, origin.url, parents, { say: (line) => said.push(line) });
    const paths = Array.from({ length: 40 }, (_, n) => `/o${n}`);
    const startedAt = performance.now();
    for (const path of paths) {
      const answer = await httpGet(front.endpoint.port, path);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-cache'], `miss; parent=${live.endpoint.id} (miss)`, path);
    }
    const dead = front.status().parents.find((row) => row.id === deadId);
    assert.equal(dead?.state, 'failed');
    // Asked twice, then left alone until its retry times (250 ms, then 500, 1000, …): a slow
    // machine may reach one or more of them within the 40 requests, never more.
    const trials = trialsWithin(performance.now() - startedAt);
    assert.ok(
      (dead?.failures ?? 0) >= 2 && (dead?.failures ?? 0) <= 2 + trials,
      `asked twice, then only at its retry times: ${dead?.failures} failures, ${trials} retries due`,
    );
    assert.match(dead?.lastError ?? '', /connection refused/);
    assert.ok((dead?.retryInMs ?? 0) > 0);
    assert.equal(front.status().cache.parentFailovers, dead?.failures);
    assert.equal(front.status().cache.originFetches, 0);
    const pong = await (await nativeClient(t, front)).ping();
    assert.deepEqual(
      pong.load.parents?.find((row) => row.id === deadId),
      { id: deadId, state: 'failed' },
    );
    // It comes back: after its retry time one fetch tries it, and it is up again.
    const revived = await tierReplica(t, origin.url, { tier: 'shield', port: deadPort });
    await eventually(
      () => front.status().parents.find((row) => row.id === deadId)?.retryInMs === 0,
      'retry due',
    );
    for (const path of paths) await httpGet(front.endpoint.port, `${path}?again`);
    assert.equal(front.status().parents.find((row) => row.id === deadId)?.state, 'up');
    assert.deepEqual(
      said.map((line) => line.replace(/\(.*\)/, '(…)').replace(/\d+ ms/, 'N ms')),
      [
        `parent ${deadId} failed (…); asking the next one, trying it again in N ms`,
        `parent ${deadId} answers again; asking it again`,
      ],
      'the terminal hears of it once each way',
    );
    assert.ok(revived.status().cache.misses > 0, 'the revived parent is asked again');
  });

  it('with every parent down, the origin itself serves (X-Cache says so), and stale-if-error holds', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/doc', bytesOf(5_000, 2));
    const parents = await parentsFile(t, [`127.0.0.1:${await closedPort()}`]);
    const front = await edge(t, origin.url, parents, { ttlMs: 0 });
    const answer = await httpGet(front.endpoint.port, '/doc');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['x-cache'], 'miss; origin (no parent answered)');
    assert.equal(front.status().cache.originFallbacks, 1);
    await origin.stop();
    const stale = await httpGet(front.endpoint.port, '/doc');
    assert.equal(stale.status, 200);
    assert.equal(stale.headers['x-cache'], 'stale');
    assert.ok(stale.body.equals(answer.body));
  });

  it('stale-if-error at the shield: its stale copy reaches the edge when the origin is down', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(8_000, 3);
    origin.put('/news', bytes);
    const tier = await shields(t, origin.url, 1, { ttlMs: 0 });
    const first = await edge(t, origin.url, tier.parents);
    assert.equal((await httpGet(first.endpoint.port, '/news')).status, 200);
    await origin.stop();
    const second = await edge(t, origin.url, tier.parents);
    const answer = await httpGet(second.endpoint.port, '/news');
    assert.equal(answer.status, 200);
    const id = at(tier.shields, 0).endpoint.id;
    assert.equal(answer.headers['x-cache'], `miss; parent=${id} (stale)`);
    assert.ok(answer.body.equals(bytes));
  });

  it('a parents file edited while running: the next miss asks the new parent', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/one', bytesOf(1_000, 1));
    origin.put('/two', bytesOf(1_000, 2));
    const tierA = await shields(t, origin.url, 1);
    const tierB = await shields(t, origin.url, 1);
    const a = at(tierA.shields, 0);
    const b = at(tierB.shields, 0);
    const front = await edge(t, origin.url, tierA.parents);
    const first = await httpGet(front.endpoint.port, '/one');
    assert.equal(first.headers['x-cache'], `miss; parent=${a.endpoint.id} (miss)`);
    await tierA.parents.write([b.endpoint.id]);
    await eventually(
      () =>
        front
          .status()
          .parents.map((row) => row.id)
          .join() === b.endpoint.id,
      'the edge re-read its parents file',
    );
    const second = await httpGet(front.endpoint.port, '/two');
    assert.equal(second.headers['x-cache'], `miss; parent=${b.endpoint.id} (miss)`);
  });

  it('a parent taken out of the file mid-transfer: that transfer still finishes', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(200_000, 6);
    const release = gate();
    origin.put('/long.bin', bytes, { digest: true, holdAfter: 50_000, release: release.promise });
    const tier = await shields(t, origin.url, 1);
    const front = await edge(t, origin.url, tier.parents);
    const client = await nativeClient(t, front);
    const fetched = client.fetch('/long.bin');
    await once(origin, 'request');
    // An empty read is believed once a second read agrees (Discovery): the file is re-read.
    await tier.parents.write([]);
    await eventually(() => front.status().parents.length === 0, 'the parent is gone');
    release.open();
    assertFetched(await fetched, bytes);
  });

  it('revalidation passes through two tiers: 304 from the shield, the origin asked conditionally', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const v1 = bytesOf(30_000, 1);
    origin.put('/page', v1, { etag: '"v1"', digest: true });
    const tier = await shields(t, origin.url, 1, { ttlMs: 0 });
    const front = await edge(t, origin.url, tier.parents, { ttlMs: 0 });
    const client = await nativeClient(t, front);
    assertFetched(await client.fetch('/page'), v1);
    const again: Fetched = await client.fetch('/page');
    assertFetched(again, v1);
    assert.equal(again.object.cache, 'revalidated');
    const id = at(tier.shields, 0).endpoint.id;
    const viaHttp = await httpGet(front.endpoint.port, '/page');
    assert.equal(viaHttp.headers['x-cache'], `revalidated; parent=${id} (revalidated)`);
    assert.ok(viaHttp.body.equals(v1));
    const conditional = origin.requestsFor('/page').filter((request) => request.conditional);
    assert.ok(conditional.length >= 2 && conditional.every((request) => request.status === 304));
    assert.equal(origin.bodiesSent('/page'), 1, 'the origin sent the body once');
    const v2 = bytesOf(30_000, 2);
    origin.put('/page', v2, { etag: '"v2"', digest: true });
    assertFetched(await client.fetch('/page'), v2);
  });

  it('a draining parent is passed over for the next one', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const release = gate();
    origin.put('/slow', bytesOf(50_000, 1), { holdAfter: 1_000, release: release.promise });
    for (let n = 0; n < 20; n += 1) origin.put(`/d${n}`, bytesOf(1_000, n + 2));
    const tier = await shields(t, origin.url, 2);
    const [home, other] = tier.shields;
    assert.ok(home && other);
    const front = await edge(t, origin.url, tier.parents);
    // A transfer in flight keeps the home shield draining (not gone) while the edge asks it.
    const holder = await nativeClient(t, home);
    const held = holder.fetch('/slow');
    await once(home.events, 'transfer-start');
    const homePaths = Array.from({ length: 20 }, (_, n) => `/d${n}`).filter(
      (path) =>
        rendezvousOrder(
          path,
          tier.shields.map((shield) => shield.endpoint),
        )[0]?.id === home.endpoint.id,
    );
    const [warm, ...rest] = homePaths;
    assert.ok(warm !== undefined && rest.length > 0);
    // The edge holds a keep-alive connection to its parent from before the drain.
    assert.equal((await httpGet(front.endpoint.port, warm)).status, 200);
    const drained = home.drain();
    for (const path of rest) {
      const answer = await httpGet(front.endpoint.port, path);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['x-cache'], `miss; parent=${other.endpoint.id} (miss)`, path);
    }
    assert.equal(front.status().cache.originFetches, 0);
    release.open();
    await held;
    await drained;
  });

  it('fetches a default object that is not under --origin from its own URL, not from parents', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const elsewhere = await TestOrigin.start();
    t.after(() => elsewhere.stop());
    const bytes = bytesOf(3_000, 9);
    elsewhere.put('/welcome.html', bytes);
    const tier = await shields(t, origin.url, 1);
    const front = await edge(t, origin.url, tier.parents, {
      defaultObject: `${elsewhere.url}/welcome.html`,
    });
    assertFetched(await (await nativeClient(t, front)).fetch(null), bytes);
    assert.equal(front.status().cache.parentFetches, 0);
    assert.equal(front.status().cache.originFetches, 1);
    assert.equal(elsewhere.requestsFor('/welcome.html').length, 1);
  });
});

/** How many retry times of a failed parent (the first, then doubling) fall within `elapsedMs`. */
function trialsWithin(elapsedMs: number): number {
  let trials = 0;
  for (let due = PARENT_RETRY_FIRST_MS, wait = due; due <= elapsedMs; wait *= 2, due += wait)
    trials += 1;
  return trials;
}
