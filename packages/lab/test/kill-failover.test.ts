import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaStateEvent, RouteEvent } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { startCluster } from './helpers.js';

const DOWNLOADS = 50;
const KILL_AFTER_ROUTES = 10;

describe('a replica killed with SIGKILL during a load run', () => {
  it('loses no download, and the balancer stops routing to it within 1 s', async (t) => {
    const { replicas, ids, balancer } = await startCluster(t, { count: 3, network: '127.0.4' });
    const routes: RouteEvent[] = [];
    const states: ReplicaStateEvent[] = [];
    balancer.events.on('route', (route) => routes.push(route));
    balancer.events.on('replica-state', (change) => states.push(change));

    const victim = replicas[1];
    assert.ok(victim);
    const victimId = ids[1];
    let killedAt = 0;
    balancer.events.on('route', () => {
      if (routes.length === KILL_AFTER_ROUTES) {
        killedAt = Date.now();
        victim.child.kill('SIGKILL');
      }
    });

    const report = await runLoad({
      balancer: balancer.endpoint,
      paths: ['/objects/10m.bin', '/objects/1m.bin', '/objects/100k.bin'],
      requests: DOWNLOADS,
      concurrency: 8,
    });

    assert.ok(killedAt > 0, 'the replica was killed during the run');
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    assert.equal(report.ok, DOWNLOADS);
    const down = states.find((change) => change.id === victimId && change.to === 'down');
    assert.ok(down, 'the balancer marked the killed replica down');
    assert.ok(down.at - killedAt < 1000, `marked down after ${down.at - killedAt} ms`);
    const late = routes.filter((r) => r.at > killedAt + 1000 && r.best.id === victimId);
    assert.deepEqual(late, [], 'no route to the dead replica more than 1 s after the kill');
  });
});
