import assert from 'node:assert/strict';
import { request } from 'node:http';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { Message, RouteOkMessage } from '@cdn-lab/protocol';
import type { BalancerStatus, Explanation } from '../src/index.js';
import { routeOnce } from './admin-helpers.js';
import { waitForState } from './helpers.js';
import { metricValue } from './prometheus-text.js';
import { clientIn, regionCluster, type LabRegion } from './region-cluster.js';

const ONE_EACH = { eu: 2, us: 2, ap: 1 };

/** The region of a lab replica address 127.R.0.n. */
function regionOf(host: string): LabRegion | 'none' {
  return ({ '1': 'eu', '2': 'us', '3': 'ap' } as const)[host.split('.')[1] ?? ''] ?? 'none';
}

function routed(answer: Message): RouteOkMessage {
  assert.equal(answer.type, 'route-ok', JSON.stringify(answer));
  return answer as RouteOkMessage;
}

/** A GET through the HTTP route dialect from `localAddress`, with optional headers. */
async function httpRoute(
  port: number,
  localAddress: string,
  headers: Record<string, string> = {},
): Promise<{ location: string; body: string }> {
  const req = request({ host: '127.0.0.1', port, path: '/a?format=json', localAddress, headers });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { location: (JSON.parse(body) as { location: string }).location, body };
}

describe('routing by region through a real balancer', { timeout: 20_000 }, () => {
  it('sends each client to a replica of its own region, by its source address', async (t) => {
    const { balancer, clientFrom } = await regionCluster(t, ONE_EACH, { probeIntervalMs: 20 });
    assert.equal(balancer.strategy, 'nearest', 'nearest is the default with a topology');
    for (const region of ['eu', 'us', 'ap'] as const) {
      for (const n of [1, 2]) {
        const client = await clientFrom(clientIn(region, n));
        const answer = routed(await routeOnce(client, `/objects/${n}.bin`));
        assert.equal(regionOf(answer.best.host), region, answer.reason);
        assert.match(answer.reason, new RegExp(`^zone 127\\.\\d\\.0\\.0/16 → ${region}; owner `));
      }
    }
    const eu = routed(await routeOnce(await clientFrom(clientIn('eu')), '/objects/1.bin'));
    assert.deepEqual(
      eu.alternates.map((alternate) => regionOf(alternate.host)),
      ['eu', 'us'],
      'alternates: the same region first, then the next-nearest',
    );
  });

  it('places a client in no zone in the default region, and follows a hint', async (t) => {
    const { balancer, clientFrom } = await regionCluster(t, ONE_EACH, {
      probeIntervalMs: 20,
      defaultRegion: 'ap',
    });
    const nowhere = routed(await routeOnce(await clientFrom('127.0.0.1')));
    assert.equal(regionOf(nowhere.best.host), 'ap');
    assert.match(nowhere.reason, /^default region ap \(127\.0\.0\.1 in no zone\); /);

    const apClient = await clientFrom(clientIn('ap', 7));
    apClient.routeWithHint('/a', 'eu');
    const hinted = routed((await apClient.next()) as Message);
    assert.equal(regionOf(hinted.best.host), 'eu');
    assert.match(hinted.reason, /^hint eu; owner /);
    apClient.routeWithHint('/a', 'mars');
    const unknown = routed((await apClient.next()) as Message);
    assert.equal(regionOf(unknown.best.host), 'ap');
    assert.match(unknown.reason, /^hint mars is no region here; zone 127\.3\.0\.0\/16 → ap; /);

    const port = balancer.endpoint.port;
    const byHeader = await httpRoute(port, clientIn('ap', 8), { 'X-CDN-Region': 'us' });
    assert.match(byHeader.location, /^http:\/\/127\.2\.0\.\d:\d+\/a$/, byHeader.body);
    assert.match(byHeader.body, /hint us; owner /);
    const byAddress = await httpRoute(port, clientIn('eu', 8));
    assert.match(byAddress.location, /^http:\/\/127\.1\.0\.\d:\d+\/a$/, byAddress.body);
  });

  it("overflows to the next-nearest region within 1 s of a region's outage, and comes home", async (t) => {
    const { balancer, replicas, clientFrom } = await regionCluster(t, ONE_EACH);
    const client = await clientFrom(clientIn('eu'));
    assert.equal(regionOf(routed(await routeOnce(client)).best.host), 'eu');

    const stoppedAt = performance.now();
    const down = replicas.eu.map((replica) => waitForState(balancer, replica.id, 'down'));
    await Promise.all(replicas.eu.map((replica) => replica.stop()));
    await Promise.all(down);
    const outMs = performance.now() - stoppedAt;
    const away = routed(await routeOnce(client));
    assert.equal(regionOf(away.best.host), 'us', away.reason);
    assert.match(away.reason, /overflow eu → us: eu has no replica up; owner /);
    assert.ok(
      outMs < 1000,
      `eu's clients were sent to us ${Math.round(outMs)} ms after the outage`,
    );

    const backAt = performance.now();
    const up = replicas.eu.map((replica) => waitForState(balancer, replica.id, 'up'));
    await Promise.all(replicas.eu.map((replica) => replica.listen()));
    await Promise.race(up);
    const homeMs = performance.now() - backAt;
    const home = routed(await routeOnce(client));
    assert.equal(regionOf(home.best.host), 'eu', home.reason);
    // Reconnection backs off to --probe-backoff-max (1 s) after 4 refused attempts, so a region
    // is back within that plus `rise` probe intervals: the 2 s.
    assert.ok(homeMs < 2000, `routes went home ${Math.round(homeMs)} ms after the return`);
  });
});

async function explainOf(url: string, query: string): Promise<Explanation> {
  const answer = await fetch(`${url}explain?${query}`);
  assert.equal(answer.status, 200, query);
  return (await answer.json()) as Explanation;
}

describe('GET /explain', { timeout: 20_000 }, () => {
  it('says which replica a client would get and why, without routing', async (t) => {
    const { balancer, url } = await regionCluster(t, ONE_EACH, { probeIntervalMs: 20 });
    const before = balancer.routesTotal;
    const explained = await explainOf(url, `client=${clientIn('ap', 9)}&path=/objects/1.bin`);
    assert.equal(explained.client, '127.3.200.9');
    assert.equal(explained.path, '/objects/1.bin');
    assert.deepEqual(explained.zone, { cidr: '127.3.0.0/16', region: 'ap' });
    assert.equal(explained.region, 'ap');
    assert.equal(explained.rule, 'zone');
    assert.equal(explained.strategy, 'nearest');
    assert.equal(explained.best?.region, 'ap');
    assert.deepEqual(
      explained.alternates.map((alternate) => alternate.region),
      ['us', 'us'],
    );
    assert.match(explained.reason, /^zone 127\.3\.0\.0\/16 → ap; owner 127\.3\.0\.1:\d+ \(hash\)$/);

    const hinted = await explainOf(url, 'client=127.3.200.9&path=/x&region=eu');
    assert.equal(hinted.rule, 'hint');
    assert.equal(hinted.region, 'eu');
    assert.equal(hinted.best?.region, 'eu');
    const v6 = await explainOf(url, `client=${encodeURIComponent('::ffff:127.2.200.1')}&path=/x`);
    assert.equal(v6.region, 'us');
    const nowhere = await explainOf(url, 'client=::1&path=/x');
    assert.equal(nowhere.rule, 'default');
    assert.equal(nowhere.zone, null);

    assert.equal(balancer.routesTotal, before, 'explaining routes nothing');
    const status = (await (await fetch(`${url}status`)).json()) as BalancerStatus;
    assert.ok(status.replicas.every((replica) => replica.routes === 0));
    assert.ok(status.replicas.every((replica) => replica.inflight === 0));
  });

  it('refuses a bad client address, a missing path or a bad region with a 400 naming it', async (t) => {
    const { url } = await regionCluster(t, { eu: 1, us: 0, ap: 0 }, { probeIntervalMs: 20 });
    for (const [query, parameter] of [
      ['path=/x', 'client'],
      ['client=not-an-address&path=/x', 'client'],
      ['client=127.0.0.1', 'path'],
      ['client=127.0.0.1&path=x', 'path'],
      ['client=127.0.0.1&path=/x&region=EU!', 'region'],
    ] as const) {
      const answer = await fetch(`${url}explain?${query}`);
      assert.equal(answer.status, 400, query);
      const body = (await answer.json()) as { error: string; parameter: string };
      assert.equal(body.parameter, parameter, query);
      assert.match(body.error, new RegExp(`^${parameter}: `));
    }
  });
});

describe('regions in /status and /metrics', { timeout: 20_000 }, () => {
  it('shows each replica its region, the regions, and the client × serving matrix', async (t) => {
    const { url, replicas, balancer, clientFrom } = await regionCluster(t, ONE_EACH, {
      probeIntervalMs: 20,
    });
    const [euReplica] = replicas.eu;
    assert.ok(euReplica);
    euReplica.clientRegions = [
      { region: 'eu', requests: 12, ttfbMs: 2.5 },
      { region: 'us', requests: 3, ttfbMs: 82 },
    ];
    const reported = new Promise<void>((resolve) => {
      const onProbe = (event: { id: string }): void => {
        if (event.id !== euReplica.id) return;
        balancer.events.off('probe', onProbe);
        resolve();
      };
      balancer.events.on('probe', onProbe);
    });
    await reported;
    await routeOnce(await clientFrom(clientIn('ap')));

    const status = (await (await fetch(`${url}status`)).json()) as BalancerStatus;
    for (const replica of status.replicas) {
      assert.equal(replica.region, regionOf(replica.host), replica.id);
    }
    assert.ok(status.strategies.includes('nearest'));
    assert.ok(status.regions);
    assert.equal(status.regions.defaultRegion, 'eu');
    assert.deepEqual(
      status.regions.regions.map(({ name, up, known }) => [name, up, known]),
      [
        ['eu', 2, 2],
        ['us', 2, 2],
        ['ap', 1, 1],
      ],
    );
    const cell = status.regions.matrix.find((c) => c.client === 'us' && c.serving === 'eu');
    assert.deepEqual(cell, { client: 'us', serving: 'eu', requests: 3, ttfbMs: 82 });

    const text = await (await fetch(`${url}metrics`)).text();
    assert.equal(
      metricValue(text, 'cdn_balancer_replica_up', { replica: euReplica.id, region: 'eu' }),
      1,
    );
    assert.equal(
      metricValue(text, 'cdn_balancer_region_routes_total', { client_region: 'ap', region: 'ap' }),
      1,
    );
  });
});
