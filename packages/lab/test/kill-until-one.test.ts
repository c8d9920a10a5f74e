import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { RouteEvent } from '@cdn-lab/balancer';
import { runLoad, type LoadRequestOutcome } from '@cdn-lab/client';
import { sharedDemoSite, startCluster } from './helpers.js';

const DOWNLOADS = 60;
/** Replica i (0-based) is SIGKILLed after this many routes. */
const KILL_AT_ROUTES = [8, 20, 32];

describe('replicas SIGKILLed one after another during a load, until one is left', () => {
  it('every download completes and verifies, or fails naming its cause; none is truncated', async (t) => {
    const site = await sharedDemoSite();
    const { replicas, balancer } = await startCluster(t, { count: 4, network: '127.0.16' });
    let routes = 0;
    const killed: number[] = [];
    balancer.events.on('route', (_route: RouteEvent) => {
      routes += 1;
      const victim = KILL_AT_ROUTES.indexOf(routes);
      if (victim >= 0) {
        replicas[victim]?.child.kill('SIGKILL');
        killed.push(victim);
      }
    });
    const sizes = new Map(site.manifest.objects.map((o) => [o.path, o.size]));
    const outcomes: LoadRequestOutcome[] = [];
    const report = await runLoad({
      balancer: balancer.endpoint,
      paths: ['/objects/10m.bin', '/objects/1m.bin', '/objects/100k.bin'],
      requests: DOWNLOADS,
      concurrency: 6,
      onProgress: (progress) => {
        outcomes.push(progress.last);
      },
    });
    assert.deepEqual(killed, [0, 1, 2], 'three of four replicas were killed during the run');
    assert.equal(report.ok + report.failed, DOWNLOADS);
    // runLoad verifies size and sha256 of every successful download against the replica's end frame;
    // here each success must also have the manifest's size: nothing short slipped through.
    for (const outcome of outcomes.filter((o) => o.ok)) {
      assert.equal(outcome.bytes, sizes.get(outcome.path ?? ''), `${outcome.path} whole`);
    }
    for (const code of Object.keys(report.errorsByCode)) {
      assert.match(code, /^[a-z_]+$/, `a named cause, not "${code}"`);
    }
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    // The load can end before the probes have taken the last victim down: wait for it (the
    // 1 s promise is kill-one's to prove), at most a few seconds.
    const upCount = (): number => balancer.snapshot().filter((r) => r.state === 'up').length;
    const deadline = AbortSignal.timeout(5_000);
    while (upCount() > 1 && !deadline.aborted) {
      await once(balancer.events, 'replica-state', { signal: deadline }).catch(() => undefined);
    }
    assert.equal(upCount(), 1, 'the balancer knows one replica is left');
  });
});
