import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadReport } from '@cdn-lab/protocol';
import { PASSIVE_WINDOW, ReplicaHealth, type HealthThresholds } from '../src/index.js';
import { idleLoad } from './views.js';

function load(transfersOk: number, transfersFailed: number): LoadReport {
  return idleLoad({ transfersOk, transfersFailed });
}

/** Feeds pongs whose counters grow by (ok, failed) each; returns the state changes seen. */
function feed(
  health: ReplicaHealth,
  counters: { ok: number; failed: number },
  reports: number,
  step: { ok: number; failed: number },
): string[] {
  const changes: string[] = [];
  for (let i = 0; i < reports; i += 1) {
    counters.ok += step.ok;
    counters.failed += step.failed;
    const change = health.recordSuccess(1, load(counters.ok, counters.failed), i);
    if (change) changes.push(`${change.to}: ${change.reason}`);
  }
  return changes;
}

const THRESHOLDS: HealthThresholds = { rise: 2, fall: 2, failureRatio: 0.5, failureMin: 3 };

describe('passive health: transfers failing behind answered probes', () => {
  it('takes a replica down when most of its recent transfers fail, naming why', () => {
    const health = new ReplicaHealth(THRESHOLDS);
    const counters = { ok: 0, failed: 0 };
    assert.deepEqual(feed(health, counters, 1, { ok: 0, failed: 0 }), [
      'up: answered its first probe',
    ]);
    const changes = feed(health, counters, 3, { ok: 0, failed: 2 });
    assert.equal(changes.length, 1);
    assert.match(
      changes[0] ?? '',
      /^down: failing transfers: \d+ of its last \d+ transfers failed/,
    );
    assert.equal(health.state, 'down');
  });

  it('brings it back after its window is clean and `rise` more reports', () => {
    const health = new ReplicaHealth(THRESHOLDS);
    const counters = { ok: 0, failed: 0 };
    feed(health, counters, 1, { ok: 0, failed: 0 });
    feed(health, counters, 3, { ok: 0, failed: 2 });
    assert.equal(health.state, 'down');
    // No traffic while down: the failures slide out of the window, then rise counts.
    const quiet = feed(health, counters, PASSIVE_WINDOW - 1, { ok: 0, failed: 0 });
    assert.deepEqual(quiet, [], 'still down while failures remain in the window');
    const back = feed(health, counters, 3, { ok: 0, failed: 0 });
    assert.deepEqual(back, ['up: 2 probes answered in a row']);
  });

  it('keeps a replica up when failures stay under the ratio or under the minimum', () => {
    const mostlyOk = new ReplicaHealth(THRESHOLDS);
    feed(mostlyOk, { ok: 0, failed: 0 }, 20, { ok: 3, failed: 1 });
    assert.equal(mostlyOk.state, 'up');
    const few = new ReplicaHealth(THRESHOLDS);
    const counters = { ok: 0, failed: 0 };
    feed(few, counters, 1, { ok: 0, failed: 0 });
    feed(few, counters, 2, { ok: 0, failed: 1 });
    assert.equal(few.state, 'up', 'two failures are under the minimum of three');
  });

  it('is off with failureRatio 0, and ignores replicas that report no counters', () => {
    const off = new ReplicaHealth({ ...THRESHOLDS, failureRatio: 0 });
    feed(off, { ok: 0, failed: 0 }, 10, { ok: 0, failed: 5 });
    assert.equal(off.state, 'up');
    const old = new ReplicaHealth(THRESHOLDS);
    const withoutCounters: LoadReport = load(0, 100);
    delete withoutCounters.transfersOk;
    delete withoutCounters.transfersFailed;
    old.recordSuccess(1, withoutCounters, 0);
    old.recordSuccess(1, { ...withoutCounters }, 1);
    assert.equal(old.state, 'up');
  });

  it('counts from zero again when a restarted replica reports smaller counters', () => {
    const health = new ReplicaHealth(THRESHOLDS);
    health.recordSuccess(1, load(1000, 0), 0);
    health.recordSuccess(1, load(1, 0), 1);
    assert.deepEqual(health.recentTransfers, { ok: 1, failed: 0 });
  });
});
