import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { download, requestRoute } from '@cdn-lab/client';
import { endpointId } from '@cdn-lab/common';
import { attachment, containerState, docker, serviceContainers } from './docker.js';
import { HeldDownload } from './held-download.js';
import {
  INITIAL_REPLICAS,
  LAB_PORT,
  NETWORK,
  NOTICE_MS,
  PROJECT,
  TIMING,
  runningReplicas,
  startLab,
  type Lab,
  type Replica,
} from './lab.js';
import { originManifest, type ManifestObject } from './manifest.js';
import { eventSince, replicaLoad, routedEndpoints } from './observe.js';
import { until } from './wait.js';

let lab: Lab;
let manifest: ManifestObject[];

function largestObject(): ManifestObject {
  const largest = [...manifest].sort((a, b) => b.size - a.size)[0];
  assert.ok(largest, 'the manifest lists objects');
  return largest;
}

describe('the Compose lab', () => {
  before(
    async () => {
      lab = await startLab();
      const [origin] = await serviceContainers(PROJECT, 'origin');
      assert.ok(origin, 'the origin container runs');
      manifest = await originManifest(origin);
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.down();
  });

  test('objects fetched through the balancer match the origin manifest byte for byte', async () => {
    assert.ok(manifest.length >= 10, `the demo manifest lists ${manifest.length} objects`);
    for (const object of manifest) {
      const result = await download({ balancer: lab.balancer, path: object.path, sink: null });
      assert.equal(result.path, object.path);
      assert.equal(result.size, object.size, `${object.path}: size`);
      assert.equal(result.sha256, object.sha256, `${object.path}: sha256`);
    }
    const index = manifest.find((object) => object.path === '/index.html');
    const byDefault = await download({ balancer: lab.balancer, path: null, sink: null });
    assert.equal(byDefault.sha256, index?.sha256, 'the default object is the origin /index.html');
  });

  test('scaling replica 3 -> 5 is picked up by the running balancer', async () => {
    const initial = await runningReplicas();
    assert.equal(initial.length, INITIAL_REPLICAS);
    const balancerStarted = await docker(
      'inspect',
      '--format',
      '{{.State.StartedAt}}',
      lab.balancerContainer,
    );
    await until('every initial replica to be routed to', NOTICE_MS, async () => {
      const seen = await routedEndpoints(lab.balancer);
      return initial.every((replica) => seen.has(replica.id)) ? true : undefined;
    });

    await lab.compose('up', '-d', '--no-recreate', '--no-deps', '--scale', 'replica=5', 'replica');
    const scaledAt = Date.now();
    const scaled = await runningReplicas();
    assert.equal(scaled.length, 5);
    const added = scaled.filter((replica) => !initial.some((old) => old.id === replica.id));
    assert.equal(added.length, 2);

    await until(
      `routes to the new replicas ${added.map((r) => r.id).join(', ')}`,
      NOTICE_MS,
      async () => {
        const seen = await routedEndpoints(lab.balancer);
        return added.every((replica) => seen.has(replica.id)) ? true : undefined;
      },
    );
    const tookMs = Date.now() - scaledAt;
    const probeIntervals = Math.ceil(tookMs / TIMING.probeIntervalMs);
    process.stdout.write(
      `# new replicas routed ${tookMs} ms after scaling (${probeIntervals} probe intervals)\n`,
    );

    const [balancerNow] = await serviceContainers(PROJECT, 'balancer');
    assert.equal(balancerNow, lab.balancerContainer, 'the same balancer container');
    const startedNow = await docker(
      'inspect',
      '--format',
      '{{.State.StartedAt}}',
      lab.balancerContainer,
    );
    assert.equal(startedNow, balancerStarted, 'the balancer was not restarted');
  });

  test('a replica stopped hard during a load run: every download completes and verifies', async () => {
    const replicas = await runningReplicas();
    assert.ok(replicas.length >= 3);
    const paths = manifest.filter((object) => object.size >= 1024 * 1024);
    const requests = paths.length * 8;
    let started = 0;
    let finished = 0;
    let victim: Promise<{ replica: Replica; at: number }> | null = null;

    const stopBusiestReplica = async (): Promise<{ replica: Replica; at: number }> => {
      const loads = await Promise.all(
        replicas.map(async (replica) => ({
          replica,
          load: await replicaLoad(replica.ip, LAB_PORT),
        })),
      );
      loads.sort((a, b) => b.load.activeTransfers - a.load.activeTransfers);
      const busiest = loads[0];
      assert.ok(busiest);
      const at = Date.now();
      await docker('kill', busiest.replica.container);
      return { replica: busiest.replica, at };
    };

    const failovers: number[] = [];
    const worker = async (): Promise<void> => {
      while (started < requests) {
        const object = paths[started % paths.length];
        started += 1;
        assert.ok(object);
        const result = await download({
          balancer: lab.balancer,
          path: object.path,
          sink: null,
          timeoutMs: 10_000,
        });
        assert.equal(result.size, object.size, `${object.path}: size`);
        assert.equal(result.sha256, object.sha256, `${object.path}: sha256`);
        failovers.push(result.failovers);
        finished += 1;
        if (finished === Math.ceil(requests / 5)) victim = stopBusiestReplica();
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    assert.equal(finished, requests, 'every download completed and verified');
    assert.ok(victim, 'a replica was stopped during the run');
    const { replica, at } = await (victim as Promise<{ replica: Replica; at: number }>);
    process.stdout.write(
      `# stopped ${replica.id}; ${requests} downloads verified, ${failovers.reduce((a, b) => a + b, 0)} failovers\n`,
    );

    assert.equal((await containerState(replica.container)).running, false);
    await until(`the balancer to drop ${replica.id}`, NOTICE_MS, async () =>
      eventSince(
        lab.balancerContainer,
        at,
        (event) =>
          event.replica === replica.id &&
          ((event.event === 'replica-state' && event.to === 'down') ||
            event.event === 'replica-removed'),
      ),
    );
    const seen = await routedEndpoints(lab.balancer);
    assert.ok(!seen.has(replica.id), 'no route names the stopped replica');
  });

  test('docker kill -s TERM during a large download: the replica drains and the download completes', async () => {
    const object = largestObject();
    const route = await requestRoute(lab.balancer, object.path);
    const replica = (await runningReplicas()).find((candidate) => candidate.id === route.best.id);
    assert.ok(replica, `the routed replica ${route.best.id} is a running container`);

    const transfer = new HeldDownload(replica.ip, LAB_PORT, object.path);
    try {
      await transfer.started;
      const signalledAt = Date.now();
      await docker('kill', '--signal', 'TERM', replica.container);

      await until(`the balancer to see ${replica.id} draining`, NOTICE_MS, async () =>
        eventSince(
          lab.balancerContainer,
          signalledAt,
          (event) =>
            event.event === 'replica-state' &&
            event.replica === replica.id &&
            event.to === 'draining',
        ),
      );
      const seen = await routedEndpoints(lab.balancer);
      assert.ok(!seen.has(replica.id), 'no new route names the draining replica');
      assert.equal(
        (await containerState(replica.container)).running,
        true,
        'still running: a transfer is in flight',
      );

      transfer.resume();
      const result = await transfer.done;
      assert.equal(result.size, object.size);
      assert.equal(result.sha256, object.sha256);
      assert.equal(result.endSha256, object.sha256);
    } finally {
      transfer.destroy();
    }
    const exited = await until(`${replica.id} to exit after draining`, 30_000, async () => {
      const state = await containerState(replica.container);
      return state.running ? undefined : state;
    });
    assert.equal(exited.exitCode, 0, 'a drained replica exits 0');
  });

  test('docker network disconnect: marked down and routed around; reconnected: back in service', async () => {
    const replicas = await runningReplicas();
    assert.ok(replicas.length >= 2);
    const replica = replicas[0];
    assert.ok(replica);
    const { aliases } = await attachment(replica.container, NETWORK);

    const disconnectedAt = Date.now();
    await docker('network', 'disconnect', NETWORK, replica.container);
    const down = await until(`the balancer to mark ${replica.id} down`, NOTICE_MS, async () =>
      eventSince(
        lab.balancerContainer,
        disconnectedAt,
        (event) =>
          event.replica === replica.id &&
          ((event.event === 'replica-state' && event.to === 'down') ||
            event.event === 'replica-removed'),
      ),
    );
    process.stdout.write(
      `# ${replica.id}: ${down.event} ${down.reason ?? ''} after ${down.time - disconnectedAt} ms\n`,
    );
    const during = await routedEndpoints(lab.balancer);
    assert.ok(!during.has(replica.id), 'no route names the disconnected replica');
    assert.ok(during.size >= 1, 'the other replicas still get routes');

    const reconnectedAt = Date.now();
    await docker(
      'network',
      'connect',
      ...aliases.flatMap((alias) => ['--alias', alias]),
      NETWORK,
      replica.container,
    );
    const back = await attachment(replica.container, NETWORK);
    const backId = endpointId(back.ip, LAB_PORT);
    const up = await until(`the balancer to bring ${backId} back up`, NOTICE_MS, async () =>
      eventSince(
        lab.balancerContainer,
        reconnectedAt,
        (event) => event.event === 'replica-state' && event.replica === backId && event.to === 'up',
      ),
    );
    process.stdout.write(
      `# ${backId}: up (${up.reason ?? ''}) ${up.time - reconnectedAt} ms after reconnecting\n`,
    );
    const forgotten = await eventSince(
      lab.balancerContainer,
      disconnectedAt,
      (event) => event.event === 'replica-removed' && event.replica === replica.id,
    );
    if (!forgotten && backId === replica.id) {
      // Still known to the balancer (not dropped from DNS meanwhile): back after `rise` probes.
      assert.match(up.reason ?? '', new RegExp(`${TIMING.rise} probes answered`));
    }
    await until(`routes to ${backId} again`, NOTICE_MS, async () =>
      (await routedEndpoints(lab.balancer)).has(backId) ? true : undefined,
    );
  });
});
