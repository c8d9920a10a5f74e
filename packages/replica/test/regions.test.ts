import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, UserError } from '@cdn-lab/common';
import type { PongMessage } from '@cdn-lab/protocol';
import { resolveReplicaOptions } from '../src/index.js';
import { setup } from './harness.js';
import { metricValue } from './prometheus-text.js';
import { TestClient, assertFetched } from './test-client.js';
import { bytesOf } from './test-origin.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
/** A client address in each region of the default topology (127.R.200.1). */
const EU_CLIENT = '127.1.200.1';
/** eu–ap is 110 ms one way in topologies/three-regions.yml; ap–us (the origin) 60 ms. */
const EU_AP_ROUND_TRIP_MS = 220;
const AP_US_ROUND_TRIP_MS = 120;

async function regionalReplica(t: TestContext, region: string, admin = false) {
  const options = {
    region,
    topology: DEFAULT_TOPOLOGY_FILE,
    ...(admin ? { admin: { port: 0 } } : {}),
  };
  const parts = await setup(t, options);
  parts.origin.put('/a', bytesOf(20_000));
  parts.origin.put('/b', bytesOf(5_000));
  return parts;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** One HTTP GET from `localAddress` on a keep-alive connection of its own (as browsers ask). */
function httpGetFrom(
  port: number,
  path: string,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<Buffer> {
  const agent = new Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        agent.destroy();
        resolve(Buffer.concat(chunks));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a replica in a region', { timeout: 30_000 }, () => {
  it('makes a client in eu wait the eu–ap round trip for a cached object from ap (native)', async (t) => {
    const { replica, origin } = await regionalReplica(t, 'ap');
    const local = await TestClient.connect(replica.endpoint.port);
    t.after(() => local.close());
    await local.fetch('/a'); // the miss, from an address no zone holds
    const eu = await TestClient.connect(replica.endpoint.port, '127.0.0.1', EU_CLIENT);
    t.after(() => eu.close());
    const far = await timed(() => eu.fetch('/a'));
    assertFetched(far.value, bytesOf(20_000));
    assert.equal(far.value.object.cache, 'hit');
    assert.ok(far.ms >= EU_AP_ROUND_TRIP_MS, `eu → ap took ${far.ms.toFixed(1)} ms`);
    const near = await timed(() => local.fetch('/a'));
    assert.ok(near.ms < 60, `127.0.0.1 crosses no link, yet took ${near.ms.toFixed(1)} ms`);
    assert.equal(origin.bodiesSent('/a'), 1);
  });

  it('serves a client in eu from an eu replica far sooner (native and HTTP)', async (t) => {
    const { replica } = await regionalReplica(t, 'eu');
    await httpGetFrom(replica.endpoint.port, '/a', '127.0.0.1');
    const eu = await TestClient.connect(replica.endpoint.port, '127.0.0.1', EU_CLIENT);
    t.after(() => eu.close());
    await eu.fetch('/a');
    const native = await timed(() => eu.fetch('/a'));
    assert.ok(native.ms < 60, `eu → eu took ${native.ms.toFixed(1)} ms (native)`);
    const http = await timed(() => httpGetFrom(replica.endpoint.port, '/a', EU_CLIENT));
    assert.equal(http.value.length, 20_000);
    assert.ok(http.ms < 60, `eu → eu took ${http.ms.toFixed(1)} ms (HTTP)`);
  });

  it('makes an HTTP client in eu wait the round trip too, on the fast path and the general one', async (t) => {
    const { replica } = await regionalReplica(t, 'ap');
    await httpGetFrom(replica.endpoint.port, '/a', '127.0.0.1');
    const fast = await timed(() => httpGetFrom(replica.endpoint.port, '/a', EU_CLIENT));
    assert.equal(fast.value.length, 20_000);
    assert.ok(fast.ms >= EU_AP_ROUND_TRIP_MS, `eu → ap took ${fast.ms.toFixed(1)} ms (fast path)`);
    assert.equal(replica.status().http.fastAnswers, 1);
    // A range request goes the general path (Node's server and the request lifecycle).
    const general = await timed(() =>
      httpGetFrom(replica.endpoint.port, '/a', EU_CLIENT, { Range: 'bytes=0-99' }),
    );
    assert.equal(general.value.length, 100);
    assert.ok(general.ms >= EU_AP_ROUND_TRIP_MS, `took ${general.ms.toFixed(1)} ms (general)`);
    const local = await timed(() => httpGetFrom(replica.endpoint.port, '/a', '127.0.0.1'));
    assert.ok(local.ms < 60, `127.0.0.1 took ${local.ms.toFixed(1)} ms`);
    assert.equal(replica.status().http.fastAnswers, 2);
  });

  it('makes a miss at an ap replica cost the ap–us round trip to the origin more than a hit', async (t) => {
    const { replica } = await regionalReplica(t, 'ap');
    const local = await TestClient.connect(replica.endpoint.port);
    t.after(() => local.close());
    const miss = await timed(() => local.fetch('/a'));
    assert.equal(miss.value.object.cache, 'miss');
    const hit = await timed(() => local.fetch('/a'));
    assert.ok(
      miss.ms - hit.ms >= AP_US_ROUND_TRIP_MS,
      `the miss took ${miss.ms.toFixed(1)} ms, the hit ${hit.ms.toFixed(1)} ms`,
    );
    const viaHttp = await timed(() => httpGetFrom(replica.endpoint.port, '/b', '127.0.0.1'));
    assert.ok(viaHttp.ms >= AP_US_ROUND_TRIP_MS, `an HTTP miss took ${viaHttp.ms.toFixed(1)} ms`);
  });

  it('reports its region and what each client region got in pongs, /status and /metrics', async (t) => {
    const { replica } = await regionalReplica(t, 'ap', true);
    const eu = await TestClient.connect(replica.endpoint.port, '127.0.0.1', EU_CLIENT);
    t.after(() => eu.close());
    await eu.fetch('/a');
    await eu.fetch('/a');
    await httpGetFrom(replica.endpoint.port, '/a', EU_CLIENT);
    const probe = await TestClient.connect(replica.endpoint.port);
    t.after(() => probe.close());
    const pong: PongMessage = await probe.ping();
    assert.equal(pong.load.region, 'ap');
    const rows = pong.load.clientRegions ?? [];
    assert.deepEqual(
      rows.map((row) => [row.region, row.requests]),
      [['eu', 3]],
      'the probe from 127.0.0.1 is no region',
    );
    assert.ok((rows[0]?.ttfbMs ?? 0) >= EU_AP_ROUND_TRIP_MS, `median ${rows[0]?.ttfbMs} ms`);

    const url = replica.admin?.url ?? '';
    const status = (await (await fetch(`${url}status`)).json()) as {
      region: string;
      load: { region: string; clientRegions: unknown[] };
    };
    assert.equal(status.region, 'ap');
    assert.equal(status.load.clientRegions.length, 1);
    const metrics = await (await fetch(`${url}metrics`)).text();
    assert.equal(
      metricValue(metrics, 'cdn_replica_client_region_requests_total', {
        region: 'ap',
        tier: 'edge',
        client_region: 'eu',
      }),
      3,
    );
    assert.equal(
      metricValue(metrics, 'cdn_replica_cache_hits_total', { region: 'ap', tier: 'edge' }),
      2,
    );
    assert.equal(
      metricValue(metrics, 'cdn_replica_client_region_ttfb_seconds_count', {
        region: 'ap',
        tier: 'edge',
        client_region: 'eu',
      }),
      3,
    );
  });

  it('labels pongs with a region given without a topology, and emulates no distance', async (t) => {
    const { replica, origin } = await setup(t, { region: 'eu' });
    origin.put('/a', bytesOf(1000));
    const eu = await TestClient.connect(replica.endpoint.port, '127.0.0.1', EU_CLIENT);
    t.after(() => eu.close());
    const first = await timed(() => eu.fetch('/a'));
    assert.ok(first.ms < 60, `took ${first.ms.toFixed(1)} ms`);
    const pong = await eu.ping();
    assert.equal(pong.load.region, 'eu');
    assert.equal(pong.load.clientRegions, undefined);
  });
});

describe('--region and --topology', { timeout: 20_000 }, () => {
  it('refuse a region the topology does not have, or a topology without a region', () => {
    const origin = 'http://127.0.0.1:1';
    assert.throws(
      () => resolveReplicaOptions({ origin, region: 'mars', topology: DEFAULT_TOPOLOGY_FILE }),
      (error: unknown) =>
        error instanceof UserError &&
        /"mars" is not one of the topology .*three-regions\.yml's regions \(eu, us, ap\)/.test(
          error.message,
        ),
    );
    assert.throws(
      () => resolveReplicaOptions({ origin, topology: DEFAULT_TOPOLOGY_FILE }),
      /--topology needs --region/,
    );
    assert.throws(() => resolveReplicaOptions({ origin, region: 'Bad Name' }), /not a region name/);
  });

  it('say so in one line from the command, with a non-zero exit and no stack', async () => {
    for (const [args, message] of [
      [['--region', 'mars', '--topology', DEFAULT_TOPOLOGY_FILE], /"mars" is not one of/],
      [['--topology', DEFAULT_TOPOLOGY_FILE], /--topology needs --region/],
      [['--region', 'eu', '--topology', '/nonexistent.yml'], /cannot read the topology/],
    ] as const) {
      const child = spawn(
        process.execPath,
        [CLI, '-p', '0', '--origin', 'http://127.0.0.1:1', ...args],
        { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CDN_WEBPAGE: '' } },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.notEqual(code, 0);
      assert.match(stderr, message);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
    }
  });
});
