import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaStateEvent } from '@cdn-lab/balancer';
import { runLoad } from '@cdn-lab/client';
import { adminRequest } from '../src/admin-request.js';
import { startCluster } from './helpers.js';

for (const fault of ['errorRate', 'resetRate'] as const) {
  describe(`a replica that answers probes but fails every transfer (${fault} 1)`, () => {
    it('is taken down by the passive check, loads still complete, and it returns once healed', async (t) => {
      const network = fault === 'errorRate' ? '127.0.13' : '127.0.14';
      // Round-robin, so the failing replica gets traffic whatever paths it would own.
      const { replicas, ids, balancer } = await startCluster(t, {
        ...{ count: 2, network, admin: true },
        strategy: 'round-robin',
      });
      const [victim] = replicas;
      const [victimId] = ids;
      assert.ok(victim?.ready.adminUrl && victimId);
      const states: ReplicaStateEvent[] = [];
      balancer.events.on('replica-state', (change) => states.push(change));
      await adminRequest(`${victim.ready.adminUrl}faults`, 'POST', { [fault]: 1 }, undefined);

      const report = await runLoad({
        balancer: balancer.endpoint,
        paths: ['/objects/100k.bin', '/objects/1m.bin'],
        durationMs: 2_000,
        concurrency: 4,
      });
      assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
      const down = states.find((s) => s.id === victimId && s.to === 'down');
      assert.ok(down, 'the balancer took the failing replica down');
      assert.match(down.reason, /failing transfers/);
      assert.ok(
        !states.some((s) => s.id === ids[1] && s.to === 'down'),
        'the healthy replica stayed up',
      );

      // Once healed (no traffic while down), its window clears and `rise` answers bring it back.
      await adminRequest(`${victim.ready.adminUrl}faults`, 'DELETE', undefined, undefined);
      if (!states.some((s) => s.id === victimId && s.to === 'up' && s.at > down.at)) {
        await new Promise<void>((resolve) => {
          const onChange = (change: ReplicaStateEvent): void => {
            if (change.id !== victimId || change.to !== 'up') return;
            balancer.events.off('replica-state', onChange);
            resolve();
          };
          balancer.events.on('replica-state', onChange);
        });
      }
      const healed = await runLoad({
        balancer: balancer.endpoint,
        paths: ['/objects/100k.bin'],
        requests: 10,
        concurrency: 2,
      });
      assert.equal(healed.failed, 0);
    });
  });
}
