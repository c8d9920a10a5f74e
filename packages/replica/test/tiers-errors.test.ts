import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { closedPort } from './closed-port.js';
import { httpGet } from './http-helpers.js';
import { TestOrigin, bytesOf, gate, sha256 } from './test-origin.js';
import { at, edge, eventually, parentsFile, shields, tierReplica } from './tiers-harness.js';

/** A plain HTTP server standing in for a parent; closed when the test ends. */
async function fakeParent(
  t: TestContext,
  handle: Parameters<typeof createServer>[1],
): Promise<{ server: Server; id: string }> {
  const server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { server, id: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Downloads `path` whole, or says why not (a cut transfer). */
async function download(port: number, path: string, bytes: Buffer): Promise<boolean> {
  try {
    const answer = await httpGet(port, path);
    return answer.status === 200 && sha256(answer.body) === sha256(bytes);
  } catch {
    return false;
  }
}

describe('what a parent’s error says', { timeout: 30_000 }, () => {
  it('an origin error at the shield is the edge’s final answer: no other shield, no fallback, no parent failed', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/bad', Buffer.alloc(0), { status: 500 });
    const tier = await shields(t, origin.url, 2, { negativeTtlMs: 0 });
    const front = await edge(t, origin.url, tier.parents, { negativeTtlMs: 0 });
    for (let n = 0; n < 2; n += 1) {
      const answer = await httpGet(front.endpoint.port, '/bad');
      assert.equal(answer.status, 502);
      assert.equal(answer.headers['x-cdn-error'], 'origin_error');
      assert.match(answer.body.toString(), /answered 502 .*origin_error/);
    }
    assert.equal(origin.requestsFor('/bad').length, 2, 'one origin request per edge miss');
    const { cache, parents } = front.status();
    assert.deepEqual([cache.originFetches, cache.parentFailovers, cache.parentFetches], [0, 0, 2]);
    assert.deepEqual(
      parents.map((row) => [row.state, row.failures]),
      [
        ['up', 0],
        ['up', 0],
      ],
    );
  });

  it('an origin error from the shield is remembered like the origin’s (negative cache)', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/bad', Buffer.alloc(0), { status: 503 });
    const tier = await shields(t, origin.url, 1, { negativeTtlMs: 0 });
    const front = await edge(t, origin.url, tier.parents);
    assert.equal((await httpGet(front.endpoint.port, '/bad')).status, 502);
    assert.equal((await httpGet(front.endpoint.port, '/bad')).status, 502);
    assert.equal(front.status().cache.parentFetches, 1, 'the second one from the negative cache');
  });

  it('a shield cut off from the origin: the edge asks the origin once itself, not the other shield', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(4_000, 3);
    origin.put('/doc', bytes);
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const tier = await shields(t, unreachable, 2, { originRetries: 0 });
    const front = await edge(t, origin.url, tier.parents);
    const answer = await httpGet(front.endpoint.port, '/doc');
    assert.equal(answer.status, 200);
    assert.ok(answer.body.equals(bytes));
    assert.equal(answer.headers['x-cache'], 'miss; origin (no parent answered)');
    const { cache, parents } = front.status();
    assert.deepEqual([cache.parentFetches, cache.originFetches, cache.parentFailovers], [1, 1, 0]);
    assert.ok(parents.every((row) => row.state === 'up' && row.failures === 0));
    assert.match(parents.map((row) => row.lastError ?? '').join(), /origin_unavailable/);
  });

  it('stale-if-error at the edge when the shield says its origin is unavailable', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(4_000, 4);
    origin.put('/doc', bytes);
    const tier = await shields(t, origin.url, 1, { originRetries: 0 });
    const parents = await parentsFile(t, []);
    const front = await tierReplica(t, origin.url, {
      parents: parents.file,
      ttlMs: 0,
      originRetries: 0,
    });
    assert.equal((await httpGet(front.endpoint.port, '/doc')).status, 200);
    await parents.write([at(tier.shields, 0).endpoint.id]);
    await eventually(() => front.status().parents.length === 1, 'the edge has its parent');
    await origin.stop();
    const stale = await httpGet(front.endpoint.port, '/doc');
    assert.equal(stale.status, 200);
    assert.equal(stale.headers['x-cache'], 'stale');
    assert.ok(stale.body.equals(bytes));
    assert.equal(front.status().parents[0]?.state, 'up');
  });
});

describe('a parent whose bodies break', { timeout: 30_000 }, () => {
  it('counts against it: with both shields cutting every transfer, the edge soon fetches from the origin', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(600_000, 8);
    origin.put('/big.bin', bytes, { digest: true });
    const tier = await shields(t, origin.url, 2, { faults: { resetRate: 1 } });
    const front = await edge(t, origin.url, tier.parents);
    const outcomes: boolean[] = [];
    for (let n = 0; n < 6; n += 1) {
      outcomes.push(await download(front.endpoint.port, '/big.bin', bytes));
      // The edge judges the parent once its fill has ended (the cut reaches it after the client).
      await eventually(() => front.status().load.activeTransfers === 0, 'transfer over');
    }
    assert.ok(outcomes.filter((ok) => !ok).length <= 4, `downloads: ${outcomes.join(', ')}`);
    assert.equal(outcomes.at(-1), true, 'the last download is whole');
    assert.ok(front.status().parents.every((row) => row.state === 'failed'));
    assert.ok(front.status().cache.originFallbacks >= 1);
  });
});

describe('--parent-timeout', { timeout: 30_000 }, () => {
  it('a parent that does not answer, or goes silent mid-body, is given up after the parent timeout, not the origin’s', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(10_000, 2);
    origin.put('/hang', bytes);
    origin.put('/stall', bytes);
    const hanging = await fakeParent(t, (req, res) => {
      if (req.url === '/stall') {
        res.writeHead(200, { 'Content-Length': String(bytes.length) });
        res.write(bytes.subarray(0, 1_000));
      }
    });
    const parents = await parentsFile(t, [hanging.id]);
    const front = await edge(t, origin.url, parents, {
      originTimeoutMs: 10_000,
      parentTimeoutMs: 300,
    });
    const startedAt = Date.now();
    const answer = await httpGet(front.endpoint.port, '/hang');
    assert.equal(answer.headers['x-cache'], 'miss; origin (no parent answered)');
    assert.ok(answer.body.equals(bytes));
    const stalled = await download(front.endpoint.port, '/stall', bytes);
    const ms = Date.now() - startedAt;
    assert.equal(stalled, false, 'a body that stops is cut, and counted against the parent');
    assert.ok(ms < 3_000, `${ms} ms for both, not 10 s each`);
    assert.match(front.status().parents[0]?.lastError ?? '', /sent nothing for 300 ms/);
  });
});

describe('a parent taken out of the file', { timeout: 30_000 }, () => {
  it('has its connection closed once its fetch in flight is done', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(50_000, 5);
    const release = gate();
    const asked = gate();
    const closed: Promise<unknown>[] = [];
    const parent = await fakeParent(t, (req, res) => {
      closed.push(once(req.socket, 'close'));
      res.writeHead(200, { 'Content-Length': String(bytes.length) });
      res.write(bytes.subarray(0, 10_000));
      asked.open();
      void release.promise.then(() => res.end(bytes.subarray(10_000)));
    });
    // Left to itself the parent would keep the edge's idle connection for a minute.
    parent.server.keepAliveTimeout = 60_000;
    const parents = await parentsFile(t, [parent.id]);
    const front = await edge(t, origin.url, parents);
    const fetched = download(front.endpoint.port, '/long.bin', bytes);
    await asked.promise;
    await parents.write([]);
    await eventually(() => front.status().parents.length === 0, 'the parent is gone');
    release.open();
    assert.equal(await fetched, true, 'the fetch in flight finishes');
    const deadline = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('the connection to the parent stayed open')), 2_000),
    );
    await Promise.race([Promise.all(closed), deadline]);
  });

  it('keeps its failed state when it comes back within a minute (not up without a trial)', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/a', bytesOf(100, 1));
    origin.put('/b', bytesOf(100, 2));
    const deadId = `127.0.0.1:${await closedPort()}`;
    const parents = await parentsFile(t, [deadId]);
    const front = await edge(t, origin.url, parents);
    assert.equal((await httpGet(front.endpoint.port, '/a')).status, 200);
    assert.equal((await httpGet(front.endpoint.port, '/b')).status, 200);
    assert.equal(front.status().parents[0]?.state, 'failed');
    await parents.write([]);
    await eventually(() => front.status().parents.length === 0, 'the parent is gone');
    await parents.write([deadId]);
    await eventually(() => front.status().parents.length === 1, 'the parent is back');
    assert.equal(front.status().parents[0]?.state, 'failed');
    assert.equal(front.status().parents[0]?.failures, 2);
  });
});
