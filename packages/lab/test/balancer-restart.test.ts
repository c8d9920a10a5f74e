import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { startCluster, tempDir } from './helpers.js';

const DOWNLOADS = 40;
const RESTART_AFTER_ROUTES = 8;
/** How long the balancer stays away: "restarted within a couple of seconds". */
const DOWN_FOR_MS = 1_500;

describe('the balancer restarted during a load run', () => {
  it('clients retry with backoff and every download completes and verifies', async (t) => {
    const { ids, balancer: first } = await startCluster(t, { count: 2, network: '127.0.17' });
    const dir = await tempDir(t);
    const serversFile = join(dir, 'servers.txt');
    await writeFile(serversFile, `${ids.join('\n')}\n`);
    const { host, port } = first.endpoint;

    let routes = 0;
    let second: BalancerHandle | null = null;
    t.after(() => second?.close());
    const restarted = new Promise<void>((resolve, reject) => {
      first.events.on('route', () => {
        routes += 1;
        if (routes !== RESTART_AFTER_ROUTES) return;
        void (async () => {
          await first.close();
          // The restart's own gap: the old process is gone, the new one not yet started.
          await new Promise((wait) => setTimeout(wait, DOWN_FOR_MS));
          second = await startBalancer({ host, port, serversFile });
          resolve();
        })().catch(reject);
      });
    });

    const report = await runLoad({
      balancer: { host, port },
      paths: ['/objects/1m.bin', '/objects/100k.bin'],
      requests: DOWNLOADS,
      concurrency: 4,
    });
    await restarted;
    assert.ok(second, 'the balancer was restarted during the run');
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    assert.equal(report.ok, DOWNLOADS);
    const afterRestart = (second as BalancerHandle).snapshot().filter((r) => r.state === 'up');
    assert.equal(afterRestart.length, ids.length);
  });
});
