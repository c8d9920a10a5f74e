import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LOSS_WINDOW, ReplicaHealth } from '../src/index.js';
import { idleLoad } from './views.js';

const load = idleLoad;

describe('replica health', () => {
  it('goes up on the first answer and down on the first failure from unknown', () => {
    const first = new ReplicaHealth({ rise: 3, fall: 3 });
    assert.deepEqual(first.recordSuccess(1, load(), 0)?.to, 'up');
    const second = new ReplicaHealth({ rise: 3, fall: 3 });
    assert.equal(second.recordFailure('connection refused')?.to, 'down');
  });

  it('needs `fall` failures in a row to go down and `rise` answers in a row to come back', () => {
    const health = new ReplicaHealth({ rise: 3, fall: 2 });
    health.recordSuccess(1, load(), 0);
    assert.equal(health.recordFailure('timeout'), null);
    assert.equal(health.recordSuccess(1, load(), 10), null, 'an answer resets the failure count');
    assert.equal(health.recordFailure('timeout'), null);
    const down = health.recordFailure('timeout');
    assert.deepEqual(down && { from: down.from, to: down.to }, { from: 'up', to: 'down' });
    assert.match(down?.reason ?? '', /2 probes failed in a row; last: timeout/);
    assert.equal(health.recordSuccess(1, load(), 20), null);
    assert.equal(health.recordSuccess(1, load(), 30), null);
    assert.equal(health.recordFailure('timeout'), null, 'a failure resets the rise count');
    assert.equal(health.recordSuccess(1, load(), 40), null);
    assert.equal(health.recordSuccess(1, load(), 50), null);
    assert.equal(health.recordSuccess(1, load(), 60)?.to, 'up');
  });

  it('follows the draining flag of the load report', () => {
    const health = new ReplicaHealth({ rise: 2, fall: 2 });
    health.recordSuccess(1, load(), 0);
    assert.equal(health.recordSuccess(1, load({ draining: true }), 1)?.to, 'draining');
    assert.equal(health.recordSuccess(1, load({ draining: true }), 2), null);
    assert.equal(health.recordSuccess(1, load(), 3)?.to, 'up');
    health.recordSuccess(1, load({ draining: true }), 4);
    health.recordFailure('connection closed');
    assert.equal(health.recordFailure('connection refused')?.to, 'down');
  });

  it('measures loss over the last 20 probes', () => {
    const health = new ReplicaHealth({ rise: 1, fall: 1 });
    for (let i = 0; i < 5; i += 1) health.recordFailure('timeout');
    for (let i = 0; i < 15; i += 1) health.recordSuccess(1, load(), i);
    assert.equal(health.lossPercent, 25);
    for (let i = 0; i < LOSS_WINDOW; i += 1) health.recordSuccess(1, load(), 100 + i);
    assert.equal(health.lossPercent, 0);
  });

  it('smooths rtt and keeps a peak that jumps up and decays slowly', () => {
    const health = new ReplicaHealth({ rise: 2, fall: 2 });
    health.recordSuccess(10, load(), 0);
    assert.equal(health.rttEwmaMs, 10);
    health.recordSuccess(50, load(), 250);
    assert.equal(health.peakEwmaMs, 50, 'a new high is taken at once');
    assert.ok(health.rttEwmaMs > 10 && health.rttEwmaMs < 50);
    health.recordSuccess(10, load(), 500);
    assert.ok(health.peakEwmaMs > 45, 'a quarter second later the peak has barely moved');
    health.recordSuccess(10, load(), 60_500);
    assert.ok(health.peakEwmaMs < 11, 'a minute later it has decayed to the samples');
  });

  it('counts routes since the last report as in flight until the next report', () => {
    const health = new ReplicaHealth({ rise: 2, fall: 2 });
    health.recordSuccess(1, load({ activeTransfers: 2 }), 0);
    health.routedSinceReport += 3;
    assert.equal(health.inflight, 5);
    health.recordSuccess(1, load({ activeTransfers: 4 }), 1);
    assert.equal(health.inflight, 4);
  });

  it('lets recent routes fade with the replica latency (probe plus reported response time)', () => {
    const health = new ReplicaHealth({ rise: 2, fall: 2 });
    health.recordSuccess(2, load({ responseMs: 8 }), 0);
    health.noteRoute(1000);
    health.noteRoute(1000);
    assert.equal(health.recentRoutes(1000), 2);
    // The time constant is 2 + 8 = 10 ms: after 10 ms, 2/e are left.
    assert.ok(Math.abs(health.recentRoutes(1010) - 2 / Math.E) < 1e-9);
    assert.ok(health.recentRoutes(1200) < 0.001);
  });
});
