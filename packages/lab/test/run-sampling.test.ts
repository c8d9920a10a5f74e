import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadRequestOutcome } from '@cdn-lab/client';
import { CumulativeCounter } from '../src/experiments/run/cumulative-counter.js';
import { OutcomeBuckets } from '../src/experiments/run/outcome-buckets.js';
import { roleState } from '../src/experiments/run/role-state.js';
import { intervalOf, sampleTimes } from '../src/experiments/run/sample-intervals.js';

function outcome(ok: boolean, latencyMs: number, extra: Partial<LoadRequestOutcome> = {}) {
  return {
    path: '/a',
    ok,
    latencyMs,
    bytes: ok ? 1 : 0,
    servedBy: [],
    failovers: extra.failoverCodes?.length ?? 0,
    failoverCodes: [],
    code: ok ? null : 'all_replicas_failed',
    ...extra,
  };
}

describe('cdn-lab run: sampling', () => {
  it('files a download in the interval it finished in; the last interval is the partial one to the end', () => {
    assert.deepEqual(sampleTimes(2_500, 1_000), [1, 2, 2.5]);
    assert.deepEqual(sampleTimes(3_000, 1_000), [1, 2, 3]);
    assert.equal(intervalOf(0, 1_000), 0);
    assert.equal(intervalOf(1_000, 1_000), 0, 'a sample closes its interval');
    assert.equal(intervalOf(1_001, 1_000), 1);
    assert.equal(intervalOf(2_400, 1_000), 2);
  });

  it('turns downloads into per-second rates per edge, latency per region and errors and failovers by cause', () => {
    const buckets = new OutcomeBuckets(1_000);
    buckets.add({ atMs: 100, region: 'eu', outcome: outcome(true, 10), edge: 'replica-1' });
    buckets.add({ atMs: 900, region: 'us', outcome: outcome(true, 30), edge: 'replica-2' });
    buckets.add({
      atMs: 1_200,
      region: 'eu',
      outcome: outcome(true, 50, { failoverCodes: ['refused', 'refused'] }),
      edge: 'replica-2',
    });
    buckets.add({ atMs: 1_400, region: 'eu', outcome: outcome(false, 70), edge: null });
    const series = buckets.series([1, 1.5], ['eu', 'us'], ['replica-1', 'replica-2', 'replica-3']);
    const named = (chart: string, name: string) =>
      series.find((s) => s.chart === chart && s.name === name)?.values;
    assert.deepEqual(named('latency', 'p50 all'), [10, 50]);
    assert.deepEqual(named('latency', 'p99 all'), [30, 50]);
    assert.deepEqual(named('latency', 'p50 us'), [30, null], 'no download: nothing to show');
    assert.deepEqual(named('requests', 'replica-1'), [1, 0]);
    assert.deepEqual(named('requests', 'replica-2'), [1, 2], 'one in half a second: 2/s');
    assert.deepEqual(named('requests', 'replica-3'), [0, 0], 'every edge gets a series');
    assert.deepEqual(named('errors', 'failover refused'), [0, 4]);
    assert.deepEqual(named('errors', 'error all_replicas_failed'), [0, 2]);
  });

  it('sums what each process counted since the baseline; a killed or restarted one never makes the total drop', () => {
    const fetches = new CumulativeCounter();
    fetches.baseline('replica-1#10', 5);
    fetches.observe('replica-1#10', 8);
    fetches.observe('replica-2#11', 4);
    assert.equal(fetches.total, 7, 'what warming fetched before the load is not counted');
    // replica-1 was killed (no longer observed) and started again as a new process from 0.
    fetches.observe('replica-1#12', 2);
    assert.equal(fetches.total, 9);
    fetches.observe('replica-2#11', 3);
    assert.equal(fetches.total, 9, 'a counter that went back never lowers the total');
    fetches.observe('replica-2#11', 6);
    assert.equal(fetches.total, 11, 'counted from its highest value, once');
  });

  it('states: what the runner did first, then the balancer’s view', () => {
    const row = (state: 'unknown' | 'up' | 'down' | 'draining', adminDrained = false) => ({
      state,
      adminDrained,
    });
    assert.equal(roleState('absent', row('up')), 'absent');
    assert.equal(roleState('stopped', row('up')), 'down', 'killed: down before the probes notice');
    assert.equal(roleState('running', row('up')), 'up');
    assert.equal(roleState('running', row('up', true)), 'draining', 'an admin drain');
    assert.equal(roleState('running', row('draining')), 'draining');
    assert.equal(roleState('running', row('down')), 'down');
    assert.equal(roleState('running', row('unknown')), 'absent', 'not probed yet');
    assert.equal(roleState('running', undefined), 'absent', 'not in the balancer yet');
  });
});
