import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBalancer, type ReplicaStateEvent, type RouteEvent } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { startOrigin } from '@cdn-lab/origin';
import { spawnRole } from '../src/role-process.js';
import { sharedDemoSite, tempDir, writeServersFile } from './helpers.js';

const DOWNLOADS = 50;
const KILL_AFTER_ROUTES = 10;

describe('a replica killed with SIGKILL during a load run', () => {
  it('loses no download, and the balancer stops routing to it within 1 s', async (t) => {
    const dir = await tempDir(t);
    const site = await sharedDemoSite();
    const origin = await startOrigin({ root: site.dir, port: 0 });
    t.after(() => origin.close());
    const replicas = await Promise.all(
      [1, 2, 3].map((i) =>
        spawnRole('replica', `replica-${i}`, [
          ...['--host', `127.0.4.${i}`, '-p', '0', '--origin', origin.url, '-w', '/index.html'],
        ]),
      ),
    );
    t.after(() => Promise.all(replicas.map((replica) => replica.stop('SIGKILL'))));
    const ids = replicas.map(({ ready }) => `${ready.host}:${ready.port}`);
    const serversFile = join(dir, 'servers.txt');
    await writeServersFile(serversFile, ids);
    const balancer = await startBalancer({ port: 0, serversFile });
    t.after(() => balancer.close());

    const routes: RouteEvent[] = [];
    const states: ReplicaStateEvent[] = [];
    balancer.events.on('route', (route) => routes.push(route));
    balancer.events.on('replica-state', (change) => states.push(change));
    while (balancer.snapshot().filter((replica) => replica.state === 'up').length < 3) {
      await once(balancer.events, 'replica-state');
    }

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
