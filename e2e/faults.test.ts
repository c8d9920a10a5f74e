import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ClientError,
  download,
  requestRoute,
  runLoad,
  type LoadRequestOutcome,
} from '@cdn-lab/client';
import { balancerReplicas, setReplicaFaults } from './admin.js';
import { attachment, containerState, docker, serviceContainers } from './docker.js';
import {
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
import { eventSince, replicaLoad } from './observe.js';
import { until } from './wait.js';

/**
 * Issue 7's fault scenarios against containers: the Docker counterparts of the lab package's
 * passive-health, kill-until-one, balancer-restart and origin-down tests. The tests run in
 * order on one lab and each leaves it as the next expects (3 replicas, then 1, origin last).
 */

const ADMIN_TOKEN = 'e2e-admin-token';
const REPLICA_ADMIN_PORT = 9091;
const BALANCER_ADMIN_PORT = 9090;
/** Passive window (8 probe reports) plus `rise` probes, with room for a probe round or two. */
const PASSIVE_RECOVERY_MS = NOTICE_MS + 8 * TIMING.probeIntervalMs;

let lab: Lab;
let manifest: ManifestObject[];

/**
 * A free host port for the balancer. The suite otherwise publishes on any free port, which
 * Docker picks anew when a container restarts; a fixed one (like 9000 in a real lab) stays.
 */
async function freeHostPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

async function balancerStatus(): Promise<{ id: string; state: string }[]> {
  const { ip } = await attachment(lab.balancerContainer, NETWORK);
  return balancerReplicas(ip, BALANCER_ADMIN_PORT);
}

/** Waits until the balancer reports exactly these replicas up. */
async function untilUp(what: string, expected: Replica[]): Promise<void> {
  const wanted = expected.map((replica) => replica.id).sort();
  await until(what, NOTICE_MS, async () => {
    const up = (await balancerStatus())
      .filter((replica) => replica.state === 'up')
      .map((replica) => replica.id)
      .sort();
    return JSON.stringify(up) === JSON.stringify(wanted) ? true : undefined;
  });
}

function sizeOf(path: string): number {
  const object = manifest.find((candidate) => candidate.path === path);
  assert.ok(object, `${path} is in the manifest`);
  return object.size;
}

function sha256Of(path: string): string {
  const object = manifest.find((candidate) => candidate.path === path);
  assert.ok(object, `${path} is in the manifest`);
  return object.sha256;
}

/** Every outcome is whole and verified, or a failure with a named cause. */
function assertNoneTruncated(outcomes: LoadRequestOutcome[]): void {
  for (const outcome of outcomes) {
    if (outcome.ok) {
      assert.equal(outcome.bytes, sizeOf(outcome.path ?? ''), `${outcome.path} whole`);
    } else {
      assert.match(outcome.code ?? '', /^[a-z_]+$/, `a named cause, not "${outcome.code}"`);
    }
  }
}

describe('faults in the Compose lab', () => {
  before(
    async () => {
      lab = await startLab({
        // Every request revalidates, so a cached copy is served "stale" as soon as the origin
        // is gone (no waiting for a TTL).
        CDN_TTL: '0',
        CDN_ADMIN_TOKEN: ADMIN_TOKEN,
        LAB_REPLICA_ADMIN_PORT: String(REPLICA_ADMIN_PORT),
        LAB_BALANCER_ADMIN_PORT: String(BALANCER_ADMIN_PORT),
        CDN_ORIGIN_MAX_OBJECT_BYTES: '10MiB',
        LAB_BALANCER_PUBLISH: `127.0.0.1:${await freeHostPort()}`,
      });
      const [origin] = await serviceContainers(PROJECT, 'origin');
      assert.ok(origin, 'the origin container runs');
      manifest = await originManifest(origin);
      await untilUp('the initial replicas to be up', await runningReplicas());
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.down();
  });

  test('a replica whose probes succeed but whose transfers fail is taken out by the passive check, and returns once healed', async () => {
    const replicas = await runningReplicas();
    assert.ok(replicas.length >= 2);
    // The replica routed for the load's first path, so it surely gets transfers whatever the
    // strategy (a consistent hash sends each path to one replica).
    const paths = ['/objects/100k.bin', '/objects/1m.bin'];
    const route = await requestRoute(lab.balancer, paths[0] ?? null);
    const victim = replicas.find((replica) => replica.id === route.best.id);
    assert.ok(victim, `the routed replica ${route.best.id} is a running container`);
    const healthy = replicas.filter((replica) => replica !== victim);
    const faultedAt = Date.now();
    await setReplicaFaults(victim.ip, REPLICA_ADMIN_PORT, ADMIN_TOKEN, { errorRate: 1 });

    const outcomes: LoadRequestOutcome[] = [];
    const report = await runLoad({
      balancer: lab.balancer,
      paths,
      durationMs: 2_500,
      concurrency: 4,
      onProgress: (progress) => {
        outcomes.push(progress.last);
      },
    });
    assertNoneTruncated(outcomes);
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));

    const down = await until(`the balancer to take ${victim.id} down`, NOTICE_MS, async () =>
      eventSince(
        lab.balancerContainer,
        faultedAt,
        (event) =>
          event.event === 'replica-state' && event.replica === victim.id && event.to === 'down',
      ),
    );
    assert.match(down.reason ?? '', /failing transfers/);
    const otherDown = await eventSince(
      lab.balancerContainer,
      faultedAt,
      (event) =>
        event.event === 'replica-state' &&
        event.to === 'down' &&
        healthy.some((replica) => replica.id === event.replica),
    );
    assert.equal(otherDown, undefined, 'the healthy replicas stayed up');
    assert.equal((await containerState(victim.container)).running, true, 'probes still answered');
    process.stdout.write(`# ${victim.id} down: ${down.reason ?? ''}\n`);

    await setReplicaFaults(victim.ip, REPLICA_ADMIN_PORT, ADMIN_TOKEN, null);
    // It may have come back and been taken down again just before the faults were cleared:
    // then a clean passive window passes before `rise` answers bring it up.
    await until(`${victim.id} to come back after healing`, PASSIVE_RECOVERY_MS, async () => {
      const up = (await balancerStatus()).filter((replica) => replica.state === 'up');
      return up.length === replicas.length ? true : undefined;
    });
    const healed = await runLoad({
      balancer: lab.balancer,
      paths: ['/objects/100k.bin'],
      requests: 12,
      concurrency: 3,
    });
    assert.equal(healed.failed, 0, JSON.stringify(healed.errorsByCode));
  });

  test('replicas SIGKILLed one after another during a load run until one is left: none truncated, none lost', async () => {
    await lab.compose('up', '-d', '--no-recreate', '--no-deps', '--scale', 'replica=4', 'replica');
    const replicas = await runningReplicas();
    assert.equal(replicas.length, 4);
    await untilUp('all 4 replicas to be up', replicas);

    const paths = ['/objects/10m.bin', '/objects/1m.bin', '/objects/100k.bin'];
    const requests = 45;
    const killAtDone = [5, 15, 25];
    const killed: Replica[] = [];
    let kills: Promise<void> = Promise.resolve();
    const killBusiest = async (): Promise<void> => {
      const alive = replicas.filter((replica) => !killed.includes(replica));
      const loads = await Promise.all(
        alive.map(async (replica) => ({
          replica,
          active: (await replicaLoad(replica.ip, LAB_PORT)).activeTransfers,
        })),
      );
      loads.sort((a, b) => b.active - a.active);
      const busiest = loads[0];
      assert.ok(busiest);
      killed.push(busiest.replica);
      await docker('kill', busiest.replica.container);
    };

    const outcomes: LoadRequestOutcome[] = [];
    const report = await runLoad({
      balancer: lab.balancer,
      paths,
      requests,
      concurrency: 6,
      onProgress: (progress) => {
        outcomes.push(progress.last);
        if (killAtDone.includes(progress.done)) kills = kills.then(killBusiest);
      },
    });
    await kills;

    assert.equal(killed.length, 3, 'three of four replicas were killed during the run');
    assert.equal(report.ok + report.failed, requests);
    assert.equal(outcomes.length, requests);
    assertNoneTruncated(outcomes);
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    const failovers = outcomes.reduce((sum, outcome) => sum + outcome.failovers, 0);
    process.stdout.write(
      `# killed ${killed.map((r) => r.id).join(', ')}; ${report.ok} downloads verified, ${failovers} failovers\n`,
    );

    const survivors = replicas.filter((replica) => !killed.includes(replica));
    for (const replica of killed) {
      assert.equal((await containerState(replica.container)).running, false);
    }
    await until('the balancer to have exactly one replica up', NOTICE_MS, async () => {
      const up = (await balancerStatus()).filter((replica) => replica.state === 'up');
      return up.length === 1 && up[0]?.id === survivors[0]?.id ? true : undefined;
    });
  });

  test('the balancer restarted during a load run: clients retry with backoff and every download completes', async () => {
    const replicas = await runningReplicas();
    assert.ok(replicas.length >= 1);
    const balancer = lab.balancer;
    const startedBefore = await docker(
      'inspect',
      '--format',
      '{{.State.StartedAt}}',
      lab.balancerContainer,
    );
    const requests = 40;
    let restart: Promise<number> | null = null;
    let backAt = Infinity;
    let doneAfterRestart = 0;
    const outcomes: LoadRequestOutcome[] = [];
    const report = await runLoad({
      balancer,
      paths: ['/objects/1m.bin', '/objects/100k.bin'],
      requests,
      concurrency: 4,
      onProgress: (progress) => {
        outcomes.push(progress.last);
        if (Date.now() > backAt) doneAfterRestart += 1;
        if (progress.done === 8) {
          restart = (async () => {
            const startedAt = Date.now();
            await docker('restart', '--time', '2', lab.balancerContainer);
            backAt = Date.now();
            return backAt - startedAt;
          })();
        }
      },
    });
    assert.ok(restart, 'the balancer was restarted during the run');
    const restartMs = await (restart as Promise<number>);
    process.stdout.write(
      `# balancer restart took ${restartMs} ms; ${report.ok} of ${requests} downloads verified, ${doneAfterRestart} finished after it\n`,
    );
    assert.ok(doneAfterRestart > 0, 'the load run went on after the restart');
    assertNoneTruncated(outcomes);
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    assert.equal(report.ok, requests);

    assert.equal(
      await docker('port', lab.balancerContainer, String(LAB_PORT)),
      `${balancer.host}:${balancer.port}`,
      'the balancer is published on the same host port again',
    );
    assert.notEqual(
      await docker('inspect', '--format', '{{.State.StartedAt}}', lab.balancerContainer),
      startedBefore,
      'the balancer container was restarted',
    );
    await untilUp('the replicas to be up after the restart', replicas);
  });

  test('origin down: cached objects are served stale; uncached ones fail fast naming the cause', async () => {
    const replicas = await runningReplicas();
    assert.ok(replicas.length >= 1);
    const cachedPath = '/objects/100k.bin';
    for (const replica of replicas) {
      const warm = await fetch(`http://${replica.ip}:${LAB_PORT}${cachedPath}`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(warm.status, 200);
      await warm.arrayBuffer();
    }

    const [origin] = await serviceContainers(PROJECT, 'origin');
    assert.ok(origin);
    await docker('stop', '--time', '1', origin);
    assert.equal((await containerState(origin)).running, false);

    for (const replica of replicas) {
      const stale = await fetch(`http://${replica.ip}:${LAB_PORT}${cachedPath}`, {
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(stale.status, 200);
      assert.equal(stale.headers.get('x-cache'), 'stale');
      const body = Buffer.from(await stale.arrayBuffer());
      assert.equal(body.length, sizeOf(cachedPath));
      assert.equal(createHash('sha256').update(body).digest('hex'), sha256Of(cachedPath));
    }
    const balancer = lab.balancer;
    const viaBalancer = await download({ balancer, path: cachedPath, sink: null });
    assert.equal(viaBalancer.cache, 'stale');
    assert.equal(viaBalancer.sha256, sha256Of(cachedPath));

    // A path no replica has cached: only the origin could answer it.
    const uncachedPath = '/objects/never-fetched.bin';
    const replica = replicas[0];
    assert.ok(replica);
    const httpStartedAt = Date.now();
    const uncached = await fetch(`http://${replica.ip}:${LAB_PORT}${uncachedPath}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const httpMs = Date.now() - httpStartedAt;
    const text = await uncached.text();
    assert.equal(uncached.status, 502, text);
    // The origin's container is stopped, so Docker's DNS no longer knows its name.
    assert.match(text, /cannot fetch \/objects\/never-fetched\.bin: .*(does not resolve|refused)/);
    assert.ok(httpMs < 5_000, `HTTP 502 after ${httpMs} ms: fails fast`);

    const clientStartedAt = Date.now();
    await assert.rejects(
      download({ balancer, path: uncachedPath, sink: null }),
      (error: unknown) => {
        assert.ok(error instanceof ClientError, String(error));
        assert.equal(error.code, 'origin_unavailable', error.message);
        assert.match(error.message, /origin/);
        assert.match(error.message, /does not resolve|refused/);
        return true;
      },
    );
    const clientMs = Date.now() - clientStartedAt;
    assert.ok(clientMs < 5_000, `the client gave up after ${clientMs} ms: fails fast`);
    process.stdout.write(
      `# uncached with the origin down: HTTP 502 in ${httpMs} ms (${text.trim()}); client in ${clientMs} ms\n`,
    );
  });
});
