import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startBalancer, type BalancerStatus } from '../src/index.js';
import { SseReader, adminCluster, routeOnce } from './admin-helpers.js';
import { RouteClient, tempServersFile } from './helpers.js';
import { metricValue } from './prometheus-text.js';

async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

function postJson(url: string, body?: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('balancer admin', { timeout: 20_000 }, () => {
  it('counts 3 routes in /metrics and /status', async (t) => {
    const { balancer, replicas, url, routeClient } = await adminCluster(t, 2, {
      strategy: 'round-robin',
    });
    const client = await routeClient();
    for (let i = 0; i < 3; i += 1) assert.equal((await routeOnce(client)).type, 'route-ok');

    const text = await (await fetch(`${url}metrics`)).text();
    const routed = replicas.map(
      (replica) =>
        metricValue(text, 'cdn_balancer_routes_total', {
          replica: replica.id,
          strategy: 'round-robin',
          dialect: 'native',
        }) ?? 0,
    );
    assert.equal(
      routed.reduce((sum, count) => sum + count, 0),
      3,
    );
    assert.deepEqual([...routed].sort(), [1, 2], 'round-robin alternates');
    for (const replica of replicas) {
      assert.equal(metricValue(text, 'cdn_balancer_replica_up', { replica: replica.id }), 1);
      assert.equal(
        metricValue(text, 'cdn_balancer_state_transitions_total', {
          replica: replica.id,
          from: 'unknown',
          to: 'up',
        }),
        1,
      );
      const probes = metricValue(text, 'cdn_balancer_probe_rtt_seconds_count', {
        replica: replica.id,
      });
      assert.ok((probes ?? 0) >= 1, 'probe round trips are observed');
    }
    assert.equal(metricValue(text, 'cdn_balancer_no_replica_total'), 0);
    assert.notEqual(metricValue(text, 'process_cpu_user_seconds_total'), null);

    const status = await getJson<BalancerStatus>(`${url}status`);
    assert.equal(status.role, 'balancer');
    assert.equal(status.id, balancer.endpoint.id);
    assert.equal(status.routesTotal, 3);
    assert.equal(status.strategy, 'round-robin');
    assert.ok(status.strategies.includes('p2c-ewma'));
    assert.deepEqual(status.probe, { intervalMs: 20, timeoutMs: 500, rise: 2, fall: 2 });
    assert.deepEqual(status.replicas.map((r) => r.routes).sort(), [1, 2]);
    for (const replica of status.replicas) {
      assert.equal(replica.state, 'up');
      assert.equal(replica.adminDrained, false);
      assert.deepEqual(replica.faults, []);
      assert.ok(replica.since >= status.startedAt);
      assert.ok(replica.load);
    }
  });

  it('counts no_replica answers', async (t) => {
    const file = await tempServersFile([]);
    t.after(() => file.remove());
    const balancer = await startBalancer({ port: 0, serversFile: file.file, admin: { port: 0 } });
    t.after(() => balancer.close());
    const client = await RouteClient.open(balancer.endpoint);
    t.after(() => client.close());
    assert.equal((await routeOnce(client)).type, 'error');
    const text = await (await fetch(`${balancer.admin?.url ?? ''}metrics`)).text();
    assert.equal(metricValue(text, 'cdn_balancer_no_replica_total'), 1);
  });

  it('shows the faults a replica reports', async (t) => {
    const { balancer, replicas, url } = await adminCluster(t, 1);
    const [replica] = replicas;
    assert.ok(replica);
    replica.faults = ['delayMs'];
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (balancer.snapshot()[0]?.load?.faults?.[0] !== 'delayMs') return;
        balancer.events.off('probe', check);
        resolve();
      };
      balancer.events.on('probe', check);
    });
    const status = await getJson<BalancerStatus>(`${url}status`);
    assert.deepEqual(status.replicas[0]?.faults, ['delayMs']);
  });

  it('streams hello, then a state event when a replica goes down', async (t) => {
    const { replicas, url } = await adminCluster(t, 2);
    const events = await SseReader.open(`${url}events`);
    t.after(() => events.close());
    assert.match(events.response.headers['content-type'] ?? '', /text\/event-stream/);
    const hello = (await events.next('hello')).data as BalancerStatus;
    assert.equal(hello.replicas.length, 2);
    const [victim] = replicas;
    assert.ok(victim);
    const down = events.next('state');
    await victim.stop();
    const state = (await down).data as Record<string, unknown>;
    assert.equal(state['id'], victim.id);
    assert.equal(state['to'], 'down');
    assert.equal(state['from'], 'up');
    assert.equal(typeof state['reason'], 'string');
    const summary = (await events.next('summary')).data as { replicas: { id: string }[] };
    assert.equal(summary.replicas.length, 2);
  });

  it('POST /strategy switches routing; unknown names are a 400 listing the names', async (t) => {
    const { url, routeClient } = await adminCluster(t, 2, { strategy: 'p2c-ewma' });
    const client = await routeClient();
    const before = await routeOnce(client);
    assert.ok(before.type === 'route-ok' && before.strategy === 'p2c-ewma');
    const events = await SseReader.open(`${url}events`);
    t.after(() => events.close());
    await events.next('hello');
    const announced = events.next('strategy');
    const answer = await postJson(`${url}strategy`, { strategy: 'least-loaded' });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { strategy: 'least-loaded' });
    assert.equal(((await announced).data as { strategy: string }).strategy, 'least-loaded');
    const after = await routeOnce(client);
    assert.ok(after.type === 'route-ok' && after.strategy === 'least-loaded');
    const bad = await postJson(`${url}strategy`, { strategy: 'fastest' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /round-robin/);
  });

  it('drain keeps routes off a replica until undrain; an unknown id is a 404', async (t) => {
    const { replicas, url, routeClient } = await adminCluster(t, 2, { strategy: 'round-robin' });
    const [a, b] = replicas;
    assert.ok(a && b);
    const client = await routeClient();
    const drained = await postJson(`${url}replicas/${encodeURIComponent(a.id)}/drain`);
    assert.equal(drained.status, 200);
    assert.deepEqual(await drained.json(), { id: a.id, adminDrained: true });
    for (let i = 0; i < 4; i += 1) {
      const answer = await routeOnce(client);
      assert.ok(answer.type === 'route-ok');
      assert.equal(answer.best.id, b.id);
      assert.ok(answer.alternates.every((alt) => alt.id !== a.id));
    }
    const status = await getJson<BalancerStatus>(`${url}status`);
    assert.equal(status.replicas.find((r) => r.id === a.id)?.adminDrained, true);
    const undrained = await postJson(`${url}replicas/${encodeURIComponent(a.id)}/undrain`);
    assert.deepEqual(await undrained.json(), { id: a.id, adminDrained: false });
    const best = new Set<string>();
    for (let i = 0; i < 4; i += 1) {
      const answer = await routeOnce(client);
      if (answer.type === 'route-ok') best.add(answer.best.id);
    }
    assert.deepEqual([...best].sort(), [a.id, b.id].sort());
    const unknown = await postJson(`${url}replicas/${encodeURIComponent('127.0.0.9:1')}/drain`);
    assert.equal(unknown.status, 404);
  });

  it('with a token on loopback, strategy and drain need it; a page cannot drain by a simple POST', async (t) => {
    const { balancer, replicas, url, routeClient } = await adminCluster(t, 2, {
      admin: { port: 0, token: 'S3CRET' },
    });
    const drainUrl = (id: string): string => `${url}replicas/${encodeURIComponent(id)}/drain`;
    const before = balancer.strategy;
    assert.equal((await postJson(`${url}strategy`, { strategy: 'seed' })).status, 401);
    for (const replica of replicas) {
      assert.equal((await fetch(drainUrl(replica.id), { method: 'POST' })).status, 401);
      // What a page on another site can send without a preflight: a form or text/plain POST.
      const simple = await fetch(drainUrl(replica.id), {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', Authorization: 'Bearer S3CRET' },
        body: 'x',
      });
      assert.equal(simple.status, 415);
    }
    assert.equal(balancer.strategy, before);
    assert.ok(replicas.every((replica) => !balancer.isAdminDrained(replica.id)));
    assert.equal((await routeOnce(await routeClient())).type, 'route-ok');
    const allowed = await fetch(`${url}strategy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer S3CRET' },
      body: JSON.stringify({ strategy: 'seed' }),
    });
    assert.equal(allowed.status, 200);
    assert.equal(balancer.strategy, 'seed');
  });

  it('serves the dashboard page at / and 404 for other names', async (t) => {
    const { url } = await adminCluster(t, 1);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<html/i);
    assert.equal((await fetch(`${url}dashboard/..%2Fpackage.json`)).status, 404);
    assert.equal((await fetch(`${url}dashboard/missing.js`)).status, 404);
  });

  it('needs no admin server unless asked', async (t) => {
    const file = await tempServersFile([]);
    t.after(() => file.remove());
    const balancer = await startBalancer({ port: 0, serversFile: file.file });
    t.after(() => balancer.close());
    assert.equal(balancer.admin, null);
  });
});
