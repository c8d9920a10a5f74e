import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ReplicaStateEvent, RouteEvent } from '@cdn-lab/balancer';
import { download, requestRoute } from '@cdn-lab/client';
import { logEvents, sha256OfFile, sharedDemoSite, startCluster, tempDir } from './helpers.js';

const BIG = '/objects/64m.bin';

describe('a replica sent SIGTERM during a 64 MiB download', () => {
  it('finishes the download, takes no new routes, and exits 0', async (t) => {
    const dir = await tempDir(t);
    const site = await sharedDemoSite();
    const big = site.manifest.objects.find((object) => object.path === BIG);
    assert.ok(big, 'the demo site has the 64 MiB object');
    const { replicas, ids, balancer } = await startCluster(t, {
      count: 2,
      network: '127.0.5',
      logDir: dir,
    });

    let target: number | undefined;
    let signalled = false;
    const output = join(dir, '64m.bin');
    balancer.events.once('route', (route: RouteEvent) => {
      target = ids.indexOf(route.best.id);
    });
    const result = await download({
      balancer: balancer.endpoint,
      path: BIG,
      sink: output,
      onProgress: ({ received }) => {
        if (signalled || received === 0 || target === undefined) return;
        signalled = true;
        replicas[target]?.child.kill('SIGTERM');
      },
    });
    assert.ok(signalled && target !== undefined, 'SIGTERM was sent mid-download');
    const drained = replicas[target];
    const drainedId = ids[target];
    assert.ok(drained && drainedId);

    assert.deepEqual(result.servedBy, [drainedId], 'the draining replica finished the download');
    assert.equal(result.sha256, big.sha256);
    assert.equal(await sha256OfFile(output), big.sha256);
    assert.deepEqual(await drained.exited, { code: 0, signal: null });
    const [drainStart] = await logEvents(join(dir, `replica-${target + 1}.log`), 'drain-start');
    assert.ok(drainStart, 'the replica logged the start of its drain');
    assert.equal(
      drainStart['activeTransfers'],
      1,
      'the download was in flight when draining began',
    );

    const left = balancer.snapshot().find((replica) => replica.id === drainedId);
    if (left?.state === 'up') {
      await new Promise<void>((resolve) => {
        const onState = (change: ReplicaStateEvent): void => {
          if (change.id !== drainedId) return;
          balancer.events.off('replica-state', onState);
          resolve();
        };
        balancer.events.on('replica-state', onState);
      });
    }
    for (let i = 0; i < 20; i += 1) {
      const route = await requestRoute(balancer.endpoint, BIG);
      assert.notEqual(route.best.id, drainedId);
      assert.ok(route.alternates.every((alternate) => alternate.id !== drainedId));
    }
  });
});
