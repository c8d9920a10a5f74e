import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bindRegion, requestRoute, type LoadReport } from '@cdn-lab/client';
import { DEFAULT_TOPOLOGY_FILE, loadTopology } from '@cdn-lab/common';
import { attachment, docker, serviceContainers } from './docker.js';
import { LAB_PORT, NOTICE_MS, startLab, type Lab, type LabFile } from './lab.js';
import { until } from './wait.js';

const REGIONS = ['eu', 'us', 'ap'] as const;
type Region = (typeof REGIONS)[number];

const REGIONS_LAB: LabFile = {
  files: ['docker-compose.regions.yml'],
  project: 'cdnlab-e2e-regions',
  services: ['origin', ...REGIONS.map((region) => `replica-${region}`), 'balancer'],
};
const NETWORK = `${REGIONS_LAB.project}_regions`;
const topology = loadTopology(DEFAULT_TOPOLOGY_FILE);

/** Small objects only: the point is where they come from, not how fast they stream. */
const PATHS = ['/index.html', '/pages/about.html', '/assets/style.css', '/objects/10k.bin'];

let lab: Lab;

/** Replica ids (address:port on the lab network) of each region's running containers. */
async function replicaIds(): Promise<Record<Region, string[]>> {
  const ids = {} as Record<Region, string[]>;
  for (const region of REGIONS) {
    const containers = await serviceContainers(REGIONS_LAB.project, `replica-${region}`);
    ids[region] = await Promise.all(
      containers.map(async (container) => {
        const { ip } = await attachment(container, NETWORK);
        return `${ip}:${LAB_PORT}`;
      }),
    );
  }
  return ids;
}

/** A load from a fresh client container of `region` (cdn-client --region, from its subnet). */
async function clientLoad(region: Region, args: string[]): Promise<LoadReport> {
  const script = `printf '%s\\n' ${PATHS.join(' ')} > /tmp/paths && exec cdn-client --paths /tmp/paths --json "$@"`;
  let stdout: string;
  try {
    stdout = await lab.compose(
      ...['run', '--rm', '-T', '--no-deps', `client-${region}`, 'sh', '-c', script, 'sh', ...args],
    );
  } catch (error) {
    // A load with a failed request exits 1; its report says what failed.
    stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout.includes('{')) throw error;
  }
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as LoadReport;
}

/** Where the balancer would send a client of `region` now (asked with its hint, from the host). */
async function routedFor(region: Region): Promise<string> {
  const route = await requestRoute(lab.balancer, '/index.html', {
    timeoutMs: 5_000,
    region: bindRegion(topology, region),
  });
  return route.best.id;
}

/** Every replica's JSON-lines log (they share the logs volume), read through one of them. */
async function replicaLogs(): Promise<string> {
  const [any] = await serviceContainers(REGIONS_LAB.project, 'replica-us');
  return docker('exec', any ?? '', 'sh', '-c', 'cat /var/log/cdn-lab/replica-*.log');
}

function regionOf(ids: Record<Region, string[]>, id: string): Region | undefined {
  return REGIONS.find((region) => ids[region].includes(id));
}

describe('the Compose regions lab', () => {
  before(
    async () => {
      lab = await startLab(
        {
          COMPOSE_PROJECT_NAME: REGIONS_LAB.project,
          // Two in every region, so that "served in-region" means by either of them.
          LAB_REGION_EU_REPLICAS: '2',
          LAB_REGION_US_REPLICAS: '2',
          LAB_REGION_AP_REPLICAS: '2',
          CDN_ORIGIN_MAX_OBJECT_BYTES: '100KiB',
        },
        REGIONS_LAB,
      );
    },
    { timeout: 600_000 },
  );

  after(async () => {
    await lab?.down();
  });

  test('a client container in each region is served by the replicas of its region, from its subnet', async () => {
    const ids = await replicaIds();
    for (const [index, region] of REGIONS.entries()) {
      const report = await clientLoad(region, ['--requests', '8', '--concurrency', '1']);
      assert.equal(report.failed, 0, `${region}: ${JSON.stringify(report.errorsByCode)}`);
      const servers = Object.keys(report.perReplica);
      assert.ok(
        servers.every((id) => ids[region].includes(id)),
        `${region} clients served by ${servers.join(', ')}; its replicas: ${ids[region].join(', ')}`,
      );
      // The replicas saw it come from its region's subnet (LAB_REGION_<NAME>_CLIENTS).
      assert.match(await replicaLogs(), new RegExp(`"peer":"10\\.77\\.${index + 1}\\.`));
    }
  });

  test("eu's replicas killed: eu clients are served from us with 0 failed downloads, and from eu again once they return", async () => {
    const ids = await replicaIds();
    const euContainers = await serviceContainers(REGIONS_LAB.project, 'replica-eu');
    assert.equal(regionOf(ids, await routedFor('eu')), 'eu');
    const euRequests = async (): Promise<number> =>
      ((await replicaLogs()).match(/"peer":"10\.77\.1\./g) ?? []).length;
    const before = await euRequests();
    // A load spanning the outage and the return.
    const loading = clientLoad('eu', ['--duration', '15', '--concurrency', '2']);
    loading.catch(() => undefined);
    await until('the eu load to reach a replica', 10_000, async () =>
      (await euRequests()) > before ? true : undefined,
    );

    await docker('kill', ...euContainers);
    // us is 40 ms from eu, ap 110 ms.
    await until('eu clients to be routed to us', NOTICE_MS, async () =>
      regionOf(ids, await routedFor('eu')) === 'us' ? true : undefined,
    );
    await docker('start', ...euContainers);
    const returned = await replicaIds();
    await until('eu clients to be routed home', NOTICE_MS + 10_000, async () =>
      regionOf(returned, await routedFor('eu')) === 'eu' ? true : undefined,
    );

    const report = await loading;
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    const servedFrom = new Set(Object.keys(report.perReplica).map((id) => regionOf(returned, id)));
    assert.ok(
      servedFrom.has('us'),
      `served from us during the outage: ${[...servedFrom].join(', ')}`,
    );
    assert.ok(!servedFrom.has('ap'), 'never from the farther ap');
    const home = await clientLoad('eu', ['--requests', '6', '--concurrency', '2']);
    const servers = Object.keys(home.perReplica);
    assert.ok(
      servers.every((id) => returned.eu.includes(id)),
      `after the return, eu clients served by ${servers.join(', ')}`,
    );
  });
});
