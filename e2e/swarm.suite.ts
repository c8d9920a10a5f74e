import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { download, requestRoute } from '@cdn-lab/client';
import { docker } from './docker.js';
import { originManifest, type ManifestObject } from './manifest.js';
import {
  NOTICE_MS,
  PUBLISHED,
  buildImage,
  balancerStatus,
  deployStack,
  ensureSwarm,
  leaveSwarm,
  removeStack,
  runOnOverlay,
  taskContainers,
  taskIds,
  untilBalancerSees,
  untilConverged,
  serviceReplicas,
} from './swarm.js';
import { InsideLoad } from './swarm-load.js';
import { until } from './wait.js';

/**
 * docker-stack.yml on a one-node swarm (`npm run e2e:swarm`; .ci/run's e2e stage runs it after
 * the Compose suites): deploy, fetch from inside the overlay and from outside, scale, roll, kill.
 * The tests run in order on one stack; each leaves 3 replicas and 1 edge, all up.
 */

const OUTSIDE = { host: '127.0.0.1', port: PUBLISHED.balancer };
const EDGE = `127.0.0.1:${PUBLISHED.edge}`;
/** Large enough that transfers are in flight whenever a task is stopped or killed. */
const LOAD_PATHS = ['/objects/10m.bin', '/objects/1m.bin', '/objects/100k.bin'];

let madeSwarm = false;
let manifest: ManifestObject[];

/** Replicas and edges, as the balancer names them (overlay address:port). */
async function taskIdsOfBoth(): Promise<string[]> {
  return [...(await taskIds('replica')).keys(), ...(await taskIds('edge')).keys()];
}

async function balancerContainer(): Promise<string> {
  const [container] = await taskContainers('balancer');
  assert.ok(container, 'the balancer task runs');
  return container;
}

function assertNoFailures(report: { ok: number; failed: number; errorsByCode: object }): void {
  assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
  assert.ok(report.ok > 0, 'the load completed downloads');
}

describe('the lab as a Docker Swarm stack (docker-stack.yml, one node)', () => {
  before(
    async () => {
      madeSwarm = await ensureSwarm();
      await removeStack();
      const started = Date.now();
      await buildImage();
      const built = Date.now();
      await deployStack();
      await untilConverged('every task of the stack to run, healthy', 300_000);
      process.stdout.write(
        `# image built in ${built - started} ms; stack deployed and healthy in ${Date.now() - built} ms\n`,
      );
      const [origin] = await taskContainers('origin');
      assert.ok(origin, 'the origin task runs');
      manifest = await originManifest(origin);
      await untilBalancerSees('the replicas and the edge to be up', await taskIdsOfBoth());
    },
    { timeout: 900_000 },
  );

  after(
    async () => {
      try {
        await removeStack();
      } finally {
        if (madeSwarm) await leaveSwarm();
      }
    },
    { timeout: 300_000 },
  );

  test('objects fetched through the balancer from inside the overlay and from outside match the manifest byte for byte', async () => {
    assert.ok(manifest.length >= 10, `the demo manifest lists ${manifest.length} objects`);
    // Inside: a container on the attachable overlay, served by the replicas' overlay addresses.
    const script = [
      'for p in "$@"; do',
      '  cdn-client -s balancer --quiet --path "$p" -o /tmp/object >/dev/null 2>&1 || exit 1',
      '  echo "$p $(sha256sum /tmp/object | cut -d " " -f 1)"',
      'done',
    ].join('\n');
    const paths = manifest.map((object) => object.path);
    const inside = await runOnOverlay([], ['sh', '-c', script, 'sh', ...paths], false);
    const insideDigests = new Map(
      inside.split('\n').map((line) => line.split(' ') as [string, string]),
    );
    for (const object of manifest) {
      assert.equal(insideDigests.get(object.path), object.sha256, `inside: ${object.path}`);
    }

    // Outside: this process on the host, sent to the edge's advertised address.
    const route = await requestRoute(OUTSIDE, '/index.html', { timeoutMs: 5_000 });
    assert.equal(`${route.best.host}:${route.best.port}`, EDGE, 'outside clients get the edge');
    for (const alternate of route.alternates) {
      assert.equal(`${alternate.host}:${alternate.port}`, EDGE, 'and only advertised addresses');
    }
    for (const object of manifest) {
      const result = await download({ balancer: OUTSIDE, path: object.path, sink: null });
      assert.equal(result.size, object.size, `outside: ${object.path} size`);
      assert.equal(result.sha256, object.sha256, `outside: ${object.path} sha256`);
    }
  });

  test('docker service scale replica=8 is picked up by the running balancer, without a restart', async () => {
    const balancer = await balancerContainer();
    const started = Date.now();
    await docker('service', 'scale', '--detach', 'cdne2e_replica=8');
    await untilConverged('8 replicas to run, healthy', 180_000);
    const scaled = await taskIdsOfBoth();
    assert.equal(scaled.length, 9, '8 replicas and 1 edge');
    await untilBalancerSees('the balancer to have all 9 up', scaled);
    process.stdout.write(`# scaled to 8: all up at the balancer in ${Date.now() - started} ms\n`);
    assert.equal(await balancerContainer(), balancer, 'the same balancer container');

    await docker('service', 'scale', '--detach', 'cdne2e_replica=3');
    await untilConverged('3 replicas again', 180_000);
    await untilBalancerSees('the balancer to have the 4 left', await taskIdsOfBoth());
  });

  test('a rolling update (service update --force replica) under a load that runs through it: 0 failed downloads', async () => {
    const before = [...(await taskIds('replica')).keys()];
    const load = await InsideLoad.start(LOAD_PATHS);
    await until('the load to reach every replica', NOTICE_MS, async () => {
      const busy = (await balancerStatus()).filter((replica) => replica.routes > 0);
      return busy.length >= 2 ? true : undefined;
    });
    const started = Date.now();
    await docker('service', 'update', '--force', '--detach=false', '--quiet', 'cdne2e_replica');
    const rolledMs = Date.now() - started;
    const state = await docker(
      'service',
      'inspect',
      '--format',
      '{{.UpdateStatus.State}}',
      'cdne2e_replica',
    );
    const after = [...(await taskIds('replica')).keys()];
    const report = await load.stop();
    process.stdout.write(
      `# rolled 3 replicas in ${rolledMs} ms under load: ${report.ok} downloads verified, ${report.failovers} failovers (${JSON.stringify(report.failoversByCode)})\n`,
    );
    assert.equal(state, 'completed');
    assert.equal(after.length, 3);
    assert.ok(
      after.every((id) => !before.includes(id)),
      'every replica task was replaced',
    );
    assertNoFailures(report);
    const served = Object.keys(report.perReplica);
    assert.ok(
      served.some((id) => before.includes(id)),
      `old replicas served: ${served}`,
    );
    assert.ok(
      served.some((id) => after.includes(id)),
      `new replicas served: ${served}`,
    );
    await untilBalancerSees('the balancer to have the new replicas up', await taskIdsOfBoth());
  });

  test('a replica task killed (docker kill) during a load: the swarm replaces it, the balancer routes around it, 0 failed downloads', async () => {
    const load = await InsideLoad.start(LOAD_PATHS, 6);
    const replicas = await taskIds('replica');
    const victim = await until('a replica with transfers in flight', NOTICE_MS, async () => {
      const busy = (await balancerStatus())
        .filter((replica) => replicas.has(replica.id) && (replica.load?.activeTransfers ?? 0) > 0)
        .sort((a, b) => (b.load?.activeTransfers ?? 0) - (a.load?.activeTransfers ?? 0));
      return busy[0]?.id;
    });
    await docker('kill', replicas.get(victim) ?? '');
    await until('the swarm to replace the killed task', 120_000, async () => {
      const now = await taskIds('replica');
      return now.size === 3 && !now.has(victim) ? true : undefined;
    });
    await untilConverged('the replacement to be healthy', 120_000);
    await untilBalancerSees('the balancer to route to the replacement', await taskIdsOfBoth());
    const report = await load.stop();
    process.stdout.write(
      `# killed ${victim}: ${report.ok} downloads verified, ${report.failovers} failovers (${JSON.stringify(report.failoversByCode)})\n`,
    );
    assertNoFailures(report);
    assert.equal((await serviceReplicas()).get('replica'), '3/3');
  });
});
