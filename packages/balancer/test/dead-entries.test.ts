import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  FULL_RATE_ATTEMPTS,
  probeRetryDelayMs,
  startBalancer,
  type BalancerHandle,
} from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Loopback addresses nothing listens on (port 1 is closed): every connection is refused. */
function deadEntries(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `127.0.${31 + Math.floor(i / 250)}.${(i % 250) + 1}:1`,
  );
}

const INTERVAL_MS = 50;
const BACKOFF_MAX_MS = 800;

async function balancerFor(lines: string[]): Promise<BalancerHandle> {
  const file = await tempServersFile(lines);
  cleanups.push(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    probeIntervalMs: INTERVAL_MS,
    probeTimeoutMs: 500,
    probeBackoffMaxMs: BACKOFF_MAX_MS,
    rise: 2,
    fall: 2,
  });
  cleanups.push(() => balancer.close());
  return balancer;
}

/** Milliseconds for `count` routes pipelined 16 at a time on one connection. */
async function timeRoutes(balancer: BalancerHandle, count: number): Promise<number> {
  const client = await RouteClient.open(balancer.endpoint);
  try {
    const started = performance.now();
    for (let sent = 0; sent < count; sent += 16) {
      client.route(...Array.from({ length: 16 }, (_, i) => `/p/${sent + i}`));
      for (let i = 0; i < 16; i += 1) assert.equal((await client.next())?.type, 'route-ok');
    }
    return performance.now() - started;
  } finally {
    await client.close();
  }
}

describe('probe backoff', () => {
  it('waits the probe interval for the first failures, then doubles up to the maximum', () => {
    const schedule = Array.from({ length: 10 }, (_, i) => probeRetryDelayMs(i + 1, 250, 2000));
    assert.deepEqual(schedule, [250, 250, 250, 250, 500, 1000, 2000, 2000, 2000, 2000]);
    assert.equal(FULL_RATE_ATTEMPTS, 4);
    assert.equal(probeRetryDelayMs(0, 250, 2000), 250, 'after a connection that was up');
    assert.equal(probeRetryDelayMs(50, 250, 2000), 2000, 'never beyond the maximum');
    assert.equal(probeRetryDelayMs(9, 250, 100), 250, 'a maximum under the interval: no backoff');
    assert.equal(probeRetryDelayMs(1_000, 250, 2000), 2000, 'no overflow');
  });

  it('with 300 dead entries, probes them ever more rarely, routes as fast as without, and sees one that comes up', async () => {
    const live = await FakeReplica.start();
    cleanups.push(() => live.stop());
    // Known port, nothing listening: refused like the dead entries until it comes up.
    const late = await FakeReplica.start('127.0.33.1');
    await late.stop();
    cleanups.push(() => late.stop());
    const clean = await balancerFor([live.id]);
    const crowded = await balancerFor([...deadEntries(300), live.id, late.id]);
    await Promise.all([clean, crowded].map((b) => waitForState(b, live.id, 'up')));

    const failures = new Map<string, number[]>();
    crowded.events.on('probe-failed', ({ id }) => {
      const at = failures.get(id) ?? [];
      at.push(performance.now());
      failures.set(id, at);
    });
    const lateFailures = 10;
    await new Promise<void>((resolve) => {
      const onFailure = ({ id }: { id: string }): void => {
        if (id !== late.id || (failures.get(id)?.length ?? 0) < lateFailures) return;
        crowded.events.off('probe-failed', onFailure);
        resolve();
      };
      crowded.events.on('probe-failed', onFailure);
    });
    const lateAt = failures.get(late.id) ?? [];
    const gaps = lateAt.slice(1).map((at, i) => at - (lateAt[i] ?? 0));
    // Timers only ever fire late, so these are lower bounds a loaded machine keeps.
    for (const gap of gaps.slice(-3)) {
      assert.ok(gap >= BACKOFF_MAX_MS - 20, `late gaps ${gaps.map(Math.round).join(', ')} ms`);
    }
    const mostTried = Math.max(...deadEntries(300).map((id) => failures.get(id)?.length ?? 0));
    assert.ok(mostTried <= lateFailures + 2, `a dead entry was tried ${mostTried} times`);

    // The route decision looks only at replicas that are up: hundreds down cost nothing.
    // Best of three each, alternating, so a moment of contention does not decide.
    let cleanMs = Infinity;
    let crowdedMs = Infinity;
    for (let round = 0; round < 3; round += 1) {
      cleanMs = Math.min(cleanMs, await timeRoutes(clean, 2000));
      crowdedMs = Math.min(crowdedMs, await timeRoutes(crowded, 2000));
    }
    assert.ok(
      crowdedMs < 3 * cleanMs,
      `2000 routes: ${crowdedMs} ms with 300 dead, ${cleanMs} ms without`,
    );

    const up = waitForState(crowded, late.id, 'up');
    const startedAt = performance.now();
    await late.listen();
    await up;
    const tookMs = performance.now() - startedAt;
    // Documented: within the longest backoff plus `rise` probe intervals (900 ms here).
    assert.ok(tookMs < 5 * (BACKOFF_MAX_MS + 2 * INTERVAL_MS), `up after ${tookMs} ms`);
  });
});
