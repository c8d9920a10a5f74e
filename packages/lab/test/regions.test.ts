import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bindRegion, download, runLoad, type LoadRequestOutcome } from '@cdn-lab/client';
import { DEFAULT_TOPOLOGY_FILE, loadTopology } from '@cdn-lab/common';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import { startLab, type Lab } from '../src/lab.js';
import { spawnRole, type RoleProcess } from '../src/role-process.js';
import { tempDir } from './helpers.js';

const topology = loadTopology(DEFAULT_TOPOLOGY_FILE);
const PER_REGION = 2;

function hostOf(id: string | undefined): string {
  return id?.slice(0, id.lastIndexOf(':')) ?? '';
}

/** The region whose loopback range holds the replica that served (127.R.0.n). */
function regionServing(outcome: LoadRequestOutcome): string | undefined {
  const second = hostOf(outcome.servedBy.at(-1)).split('.')[1];
  return topology.regions.find((region) => region.loopback.text.startsWith(`127.${second}.`))?.name;
}

describe('cdn-lab up --topology: the default world on loopback', () => {
  let lab: Lab;
  let dirCleanup: (() => Promise<unknown>)[] = [];
  const balancer = (): { host: string; port: number } => ({
    host: lab.balancer.ready.host,
    port: lab.balancer.ready.port,
  });

  before(async () => {
    dirCleanup = [];
    const dir = await tempDir({ after: (fn) => dirCleanup.push(fn) });
    lab = await startLab({
      ...LAB_DEFAULTS,
      dir,
      port: 0,
      originPort: 0,
      adminPort: 0,
      strategy: undefined,
      maxObjectBytes: 64 * 1024,
      topology,
      replicasPerRegion: PER_REGION,
      onLine: () => undefined,
    });
  });
  after(async () => {
    await lab?.stop();
    for (const cleanup of dirCleanup) await cleanup();
  });

  it("starts each region's replicas at 127.R.0.n, and the balancer knows their regions", async () => {
    assert.deepEqual(
      lab.regions.map((region) => [region.name, region.replicas.map((r) => r.ready.host)]),
      [
        ['eu', ['127.1.0.1', '127.1.0.2']],
        ['us', ['127.2.0.1', '127.2.0.2']],
        ['ap', ['127.3.0.1', '127.3.0.2']],
      ],
    );
    const adminUrl = lab.balancer.ready.adminUrl;
    assert.ok(adminUrl);
    // The lab is up once routes work; a replica's region is known from its first pong.
    const deadline = performance.now() + 5000;
    let regionById: Record<string, string | null | undefined>;
    do {
      const status = (await (await fetch(new URL('status', adminUrl))).json()) as {
        replicas: { id: string; region?: string | null }[];
      };
      regionById = Object.fromEntries(status.replicas.map((r) => [hostOf(r.id), r.region]));
      if (Object.values(regionById).every((region) => region)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    } while (performance.now() < deadline);
    assert.deepEqual(regionById, {
      '127.1.0.1': 'eu',
      '127.1.0.2': 'eu',
      '127.2.0.1': 'us',
      '127.2.0.2': 'us',
      '127.3.0.1': 'ap',
      '127.3.0.2': 'ap',
    });
  });

  it('serves a client in each region (--region) from a replica of its own region', async () => {
    for (const region of lab.regions) {
      const result = await download({
        balancer: balancer(),
        path: '/index.html',
        sink: null,
        region: bindRegion(topology, region.name),
      });
      const homes = region.replicas.map((replica) => replica.ready.host);
      assert.ok(
        homes.includes(hostOf(result.servedBy[0])),
        `${region.name} client served by ${result.servedBy.join(', ')}`,
      );
    }
  });

  it("a region's replicas killed: its clients are served from the next-nearest region with 0 failed downloads, and go back home after they return", async (t) => {
    const eu = lab.regions.find((region) => region.name === 'eu');
    assert.ok(eu);
    const seen: (string | undefined)[] = [];
    const waiters: { region: string; resolve: () => void }[] = [];
    /** Resolves at the first download served from `region` that ends from now on. */
    const served = (region: string): Promise<void> =>
      new Promise((resolve) => waiters.push({ region, resolve }));
    const stop = new AbortController();
    const loading = runLoad({
      balancer: balancer(),
      paths: ['/index.html', '/pages/about.html', '/objects/1k.bin', '/objects/10k.bin'],
      durationMs: 60_000,
      concurrency: 4,
      region: bindRegion(topology, 'eu'),
      signal: stop.signal,
      onProgress: ({ last }) => {
        seen.push(last.ok ? regionServing(last) : 'failed');
        for (const waiter of [...waiters]) {
          if (seen.at(-1) === waiter.region) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      },
    });
    await served('eu');

    const killed = eu.replicas.map((replica) => ({
      name: replica.name,
      host: replica.ready.host,
      port: replica.ready.port,
    }));
    await Promise.all(eu.replicas.map((replica) => replica.stop('SIGKILL')));
    // us is 40 ms from eu, ap 110 ms: us is the next-nearest.
    await served('us');

    const returned: RoleProcess[] = await Promise.all(
      killed.map(({ name, host, port }) =>
        spawnRole('replica', name, [
          ...['--host', host, '-p', String(port), '--origin', lab.originUrl, '-w', '/index.html'],
          ...['--region', 'eu', '--topology', DEFAULT_TOPOLOGY_FILE],
        ]),
      ),
    );
    t.after(() => Promise.all(returned.map((replica) => replica.stop('SIGKILL'))));
    await served('eu');
    stop.abort();
    const report = await loading;
    assert.equal(report.failed, 0, `no failed download: ${JSON.stringify(report.errorsByCode)}`);
    assert.ok(!seen.includes('ap'), 'never the farther region while us serves');
  });
});
