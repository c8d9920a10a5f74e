import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  formatReport,
  percentile,
  runLoad,
  summarizeLatency,
  type LoadRequestOutcome,
} from '../src/index.js';
import {
  makeBody,
  routeTo,
  startFakeBalancer,
  startFakeReplica,
  type FakeBalancer,
  type FakeReplica,
} from './fakes.js';

describe('percentile', () => {
  it('uses the nearest rank on sorted values', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 90), 90);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([10, 20, 30, 40], 50), 20);
    assert.equal(percentile([10, 20, 30, 40], 90), 40);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), 0);
  });

  it('summarizes unsorted samples', () => {
    assert.deepEqual(summarizeLatency([30, 10, 20, 40]), {
      p50: 20,
      p90: 40,
      p99: 40,
      max: 40,
      mean: 25,
    });
    assert.deepEqual(summarizeLatency([]), { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });
});

describe('runLoad', () => {
  const A_SIZE = 20_000;
  const B_SIZE = 70_000;
  let a: FakeReplica;
  let b: FakeReplica;
  let balancer: FakeBalancer;

  before(async () => {
    a = await startFakeReplica([{ path: '/a', body: makeBody(A_SIZE, 1), etag: null }]);
    b = await startFakeReplica([{ path: '/b', body: makeBody(B_SIZE, 2), etag: null }]);
    // Routes by path, so the split per replica is known whatever the interleaving.
    balancer = await startFakeBalancer((path) => routeTo(path === '/b' ? b.endpoint : a.endpoint));
  });
  after(async () => {
    await Promise.all([a.close(), b.close(), balancer.close()]);
  });

  it('counts requests, errors and replicas, and computes latency from the samples', async () => {
    const outcomes: LoadRequestOutcome[] = [];
    const connectionsBefore = balancer.connections;
    const report = await runLoad({
      balancer: balancer.address,
      paths: ['/a', '/b', '/missing'],
      requests: 12,
      concurrency: 3,
      onProgress: (progress) => outcomes.push(progress.last),
    });
    assert.equal(report.requests, 12);
    assert.equal(report.ok, 8);
    assert.equal(report.failed, 4);
    assert.deepEqual(report.errorsByCode, { not_found: 4 });
    assert.deepEqual(report.perReplica, { [a.endpoint.id]: 4, [b.endpoint.id]: 4 });
    assert.equal(report.bytes, 4 * A_SIZE + 4 * B_SIZE);
    assert.equal(report.failovers, 0);
    assert.equal(outcomes.length, 12);
    const okLatencies = outcomes.filter((o) => o.ok).map((o) => o.latencyMs);
    assert.deepEqual(report.latencyMs, summarizeLatency(okLatencies));
    assert.ok(report.durationMs > 0);
    assert.equal(report.requestsPerSecond, report.requests / (report.durationMs / 1000));
    assert.equal(balancer.connections - connectionsBefore, 3, 'one balancer connection per worker');

    const text = formatReport(report);
    assert.match(text, /12 \(8 ok, 4 failed\)/);
    assert.match(text, new RegExp(`${a.endpoint.id}\\s+4`));
    assert.match(text, /not_found\s+4/);
  });

  it('stops starting requests when the duration is over', async () => {
    const started = performance.now();
    const report = await runLoad({
      balancer: balancer.address,
      paths: ['/a'],
      durationMs: 150,
      concurrency: 2,
    });
    assert.ok(performance.now() - started >= 150);
    assert.ok(report.requests >= 2);
    assert.equal(report.ok, report.requests);
    assert.equal(report.perReplica[a.endpoint.id], report.ok);
  });

  it('starts no request once its signal is aborted; those in flight finish', async () => {
    const stop = new AbortController();
    const report = await runLoad({
      balancer: balancer.address,
      paths: ['/a'],
      durationMs: 60_000,
      concurrency: 2,
      signal: stop.signal,
      onProgress: ({ done }) => {
        if (done === 5) stop.abort();
      },
    });
    assert.ok(report.requests >= 5 && report.requests <= 6, `${report.requests} requests`);
    assert.equal(report.failed, 0);
  });

  it('fetches each path once when neither requests nor duration is given', async () => {
    const report = await runLoad({
      balancer: balancer.address,
      paths: ['/a', '/b'],
      concurrency: 4,
    });
    assert.equal(report.requests, 2);
    assert.equal(report.ok, 2);
  });
});
