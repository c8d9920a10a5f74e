import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { ReplicaHandle, ReplicaOptions } from '../src/index.js';
import { RawHttpConnection, httpGet } from './http-helpers.js';
import { TestOrigin, bytesOf, sha256 } from './test-origin.js';
import { eventually, nativeClient, parentsFile, tierReplica } from './tiers-harness.js';
import { loopRefusal, parseVia, receivedBy } from '../src/request/hop-check.js';

/** Two replicas, each the other's only parent (a cycle of parents files). */
async function eachOthersParent(
  t: TestContext,
  origin: string,
  options: ReplicaOptions = {},
): Promise<[ReplicaHandle, ReplicaHandle]> {
  const fileA = await parentsFile(t, []);
  const fileB = await parentsFile(t, []);
  const a = await tierReplica(t, origin, { parents: fileA.file, ...options });
  const b = await tierReplica(t, origin, { parents: fileB.file, ...options });
  await fileA.write([b.endpoint.id]);
  await fileB.write([a.endpoint.id]);
  await eventually(
    () => a.status().parents.length === 1 && b.status().parents.length === 1,
    'parents read',
  );
  return [a, b];
}

describe('loops and hop counts', { timeout: 20_000 }, () => {
  it('parse Via entries and count hops', () => {
    assert.deepEqual(parseVia(undefined), []);
    assert.deepEqual(parseVia('1.1 a:1, 1.1 b:2 (cdn-lab),1.1 c:3'), [
      '1.1 a:1',
      '1.1 b:2 (cdn-lab)',
      '1.1 c:3',
    ]);
    assert.deepEqual(parseVia(['1.1 a:1', '1.1 b:2']), ['1.1 a:1', '1.1 b:2']);
    assert.equal(receivedBy('1.1 b:2 (cdn-lab)'), 'b:2');
    assert.equal(loopRefusal({ via: ['1.1 a:1'] }, 'b:2', 8), null);
    assert.match(
      loopRefusal({ via: ['1.1 b:2', '1.1 a:1'] }, 'b:2', 8)?.message ?? '',
      /passed through b:2 already \(Via: 1\.1 b:2, 1\.1 a:1\)/,
    );
    const seven = Array.from({ length: 7 }, (_, n) => `1.1 r${n}:1`);
    assert.equal(loopRefusal({ via: seven }, 'me:1', 8), null);
    assert.match(
      loopRefusal({ via: [...seven, '1.1 r7:1'] }, 'me:1', 8)?.message ?? '',
      /8 caches/,
    );
    assert.equal(loopRefusal({ via: [], hops: 7 }, 'me:1', 8), null);
    assert.equal(loopRefusal({ via: [], hops: 8 }, 'me:1', 8)?.code, 'loop_detected');
  });

  it('refuse a loop (two replicas each other’s parent) with 508, and still serve it from the origin', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(20_000, 4);
    origin.put('/page', bytes);
    const [a, b] = await eachOthersParent(t, origin.url);
    const answer = await httpGet(a.endpoint.port, '/page');
    assert.equal(answer.status, 200);
    assert.equal(sha256(answer.body), sha256(bytes));
    // A asked B; B refused at once (A, its own parent, is asking it); A went to the origin.
    assert.equal(answer.headers['x-cache'], 'miss; origin (no parent answered)');
    assert.equal(origin.requestsFor('/page').length, 1);
    assert.equal(a.status().cache.originFallbacks, 1);
    assert.equal(b.status().cache.originFetches, 0, 'B fetched nothing for it');
    assert.match(a.status().parents[0]?.lastError ?? '', /answered 508 .*loop_detected/);
    const asked = await httpGet(b.endpoint.port, '/page', {
      headers: { Via: `1.1 ${a.endpoint.id}` },
    });
    assert.equal(asked.status, 508);
    assert.equal(asked.headers['x-cdn-error'], 'loop_detected');
    assert.match(
      asked.body.toString(),
      new RegExp(`${a.endpoint.id} is both a parent of this replica and asking it`),
    );
    // A keep-alive GET of a cached object would take the fast path, were it not for its Via.
    const connection = await RawHttpConnection.open(a.endpoint.port);
    t.after(() => connection.close());
    connection.send(
      `GET /page HTTP/1.1\r\nHost: x\r\nVia: 1.1 ${b.endpoint.id}, 1.1 ${a.endpoint.id}\r\n\r\n`,
    );
    const looped = await connection.next();
    assert.match(looped.head, /^HTTP\/1\.1 508 /);
    const text = looped.body.toString();
    assert.ok(
      text.includes(`loop detected: this request has passed through ${a.endpoint.id} already`),
      text,
    );
    assert.ok(text.includes(`Via: 1.1 ${b.endpoint.id}, 1.1 ${a.endpoint.id}`), text);
  });

  it('two misses at once on two replicas that are each other’s parent: both answer at once, from the origin', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const bytes = bytesOf(20_000, 5);
    origin.put('/page', bytes);
    // The delay holds each replica's own fetch in flight while the other's request arrives.
    const slow = { faults: { delayMs: 200 }, originTimeoutMs: 1_500, parentTimeoutMs: 1_500 };
    const [a, b] = await eachOthersParent(t, origin.url, slow);
    const startedAt = Date.now();
    const answers = await Promise.all([
      httpGet(a.endpoint.port, '/page'),
      httpGet(b.endpoint.port, '/page'),
    ]);
    const ms = Date.now() - startedAt;
    assert.ok(ms < 1_000, `answered in ${ms} ms, not after the parent timeout (1500 ms)`);
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.ok(answer.body.equals(bytes));
      assert.equal(answer.headers['x-cache'], 'miss; origin (no parent answered)');
    }
    for (const replica of [a, b]) {
      const parent = replica.status().parents[0];
      assert.equal(parent?.state, 'up', 'a cycle is no failure of the parent');
      assert.equal(parent?.failures, 0);
    }
  });

  it('refuse requests over --max-hops: HTTP 508 by Via, native loop_detected by hops', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/x', bytesOf(100, 1));
    const replica = await tierReplica(t, origin.url, { maxHops: 3 });
    const via = (n: number): string =>
      Array.from({ length: n }, (_, i) => `1.1 r${i}:9000`).join(', ');
    assert.equal(
      (await httpGet(replica.endpoint.port, '/x', { headers: { Via: via(2) } })).status,
      200,
    );
    const over = await httpGet(replica.endpoint.port, '/x', { headers: { Via: via(3) } });
    assert.equal(over.status, 508);
    assert.match(over.body.toString(), /passed through 3 caches .*--max-hops 3/);
    const native = await nativeClient(t, replica);
    native.send({ type: 'get', path: '/x', offset: 0, hops: 3 });
    const refused = await native.next();
    assert.equal(refused.type, 'error');
    assert.equal(refused.type === 'error' && refused.code, 'loop_detected');
    native.send({ type: 'get', path: '/x', offset: 0, hops: 2 });
    assert.equal((await native.next()).type, 'object');
  });
});
