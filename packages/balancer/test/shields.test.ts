import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import type { BalancerStatus, ReplicaSetChange } from '../src/index.js';
import { SseReader, clusterOver, routeOnce } from './admin-helpers.js';
import { RouteClient, waitForState } from './helpers.js';
import { metricValue } from './prometheus-text.js';
import { shieldCluster, tieredFake, waitForShield } from './shield-helpers.js';

async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}

const counters = (hits: number, misses: number, parentFetches: number, originFetches: number) => ({
  hits,
  misses,
  parentFetches,
  originFetches,
});

describe('shields (--shields)', { timeout: 20_000 }, () => {
  it('probes the shields but never routes to one: with only a shield up, routes get no_replica', async (t) => {
    const edge = await tieredFake('edge', null);
    const shields = [await tieredFake('shield', null), await tieredFake('shield', null)];
    const { balancer, url } = await shieldCluster(t, [edge], shields);
    const shieldIds = shields.map((shield) => shield.id);
    assert.ok(
      shields.every((shield) => shield.pingsAnswered > 0),
      'the shields are probed',
    );

    const client = await RouteClient.open(balancer.endpoint);
    t.after(() => client.close());
    for (let index = 0; index < 40; index += 1) {
      const answer = await routeOnce(client, `/object-${index}`);
      assert.equal(answer.type, 'route-ok');
      if (answer.type !== 'route-ok') continue;
      assert.equal(answer.best.id, edge.id);
      for (const alternate of answer.alternates) assert.ok(!shieldIds.includes(alternate.id));
      const explained = await getJson<{
        best: { id: string } | null;
        alternates: { id: string }[];
      }>(`${url}explain?client=127.0.0.9&path=/object-${index}`);
      assert.equal(explained.best?.id, edge.id);
      assert.deepEqual(explained.alternates, [], '/explain names no shield');
    }

    await edge.stop();
    await waitForState(balancer, edge.id, 'down');
    const answer = await routeOnce(client, '/object-1');
    assert.equal(answer.type, 'error');
    if (answer.type === 'error') {
      assert.equal(answer.code, 'no_replica');
      assert.match(answer.message, /0 of 1 up.*the 2 shields of .* take no routes/);
    }
    const http = await fetch(`http://${balancer.endpoint.id}/object-1`, { redirect: 'manual' });
    assert.equal(http.status, 503, 'an HTTP client is not sent to a shield either');
    const status = await getJson<BalancerStatus>(`${url}status`);
    assert.deepEqual(
      status.shields.map((row) => [row.id, row.state, row.tier, row.routes]),
      [...shieldIds].sort().map((id) => [id, 'up', 'shield', 0]),
    );
    assert.deepEqual(
      status.replicas.map((row) => row.id),
      [edge.id],
      'a shield is not a replica row',
    );
  });

  it("/status sums each tier's counters from the pongs, with the origin's total; /metrics has them per tier", async (t) => {
    const edges = [
      await tieredFake('edge', counters(90, 10, 10, 0)),
      await tieredFake(null, counters(30, 10, 8, 2)),
      await tieredFake('mid', counters(5, 5, 5, 0)),
    ];
    const [edge1] = edges;
    assert.ok(edge1);
    edge1.parents = [
      { id: '127.0.0.1:1', state: 'up' },
      { id: '127.0.0.1:2', state: 'failed' },
    ];
    const shields = [
      await tieredFake('shield', counters(12, 6, 0, 6)),
      await tieredFake(null, counters(0, 4, 0, 4)),
    ];
    const { url } = await shieldCluster(t, edges, shields);
    const status = await getJson<BalancerStatus>(`${url}status`);

    assert.deepEqual(
      status.tiers.tiers.map(
        ({ name, hits, misses, hitRatio, parentFetches, originFetches, known, up }) => ({
          ...{ name, hits, misses, hitRatio, parentFetches, originFetches, known, up },
        }),
      ),
      [
        {
          ...{ name: 'edge', hits: 120, misses: 20, hitRatio: 120 / 140 },
          ...{ parentFetches: 18, originFetches: 2, known: 2, up: 2 },
        },
        {
          ...{ name: 'mid', hits: 5, misses: 5, hitRatio: 0.5 },
          ...{ parentFetches: 5, originFetches: 0, known: 1, up: 1 },
        },
        {
          ...{ name: 'shield', hits: 12, misses: 10, hitRatio: 12 / 22 },
          ...{ parentFetches: 0, originFetches: 10, known: 2, up: 2 },
        },
      ],
      'edges first, the shield tier last; a replica reporting no tier counts as what it is listed as',
    );
    assert.equal(status.tiers.originFetches, 12, "the origin's total: every tier's origin fetches");
    const row = status.replicas.find((replica) => replica.id === edge1.id);
    assert.deepEqual(row?.parents, edge1.parents);
    assert.equal(row?.tier, 'edge');

    const text = await (await fetch(`${url}metrics`)).text();
    assert.equal(metricValue(text, 'cdn_balancer_tier_hit_ratio', { tier: 'shield' }), 12 / 22);
    assert.equal(metricValue(text, 'cdn_balancer_tier_origin_fetches', { tier: 'edge' }), 2);
    assert.equal(metricValue(text, 'cdn_balancer_tier_parent_fetches', { tier: 'edge' }), 18);
    assert.equal(metricValue(text, 'cdn_balancer_tier_hits', { tier: 'mid' }), 5);
    assert.equal(metricValue(text, 'cdn_balancer_tier_replicas_up', { tier: 'shield' }), 2);
    assert.equal(metricValue(text, 'cdn_balancer_origin_fetches'), 12);
    for (const shield of shields) {
      assert.equal(metricValue(text, 'cdn_balancer_shield_up', { replica: shield.id }), 1);
      assert.equal(
        metricValue(text, 'cdn_balancer_replica_up', { replica: shield.id }),
        null,
        'a shield is no routed replica',
      );
    }
  });

  it('follows the shields file while running: a shield added is probed and shown, one removed goes', async (t) => {
    const edge = await tieredFake('edge', null);
    const [first, second] = [await tieredFake('shield', null), await tieredFake('shield', null)];
    t.after(() => second.stop());
    const { balancer, url, shieldsFile } = await shieldCluster(t, [edge], [first]);
    const events = await SseReader.open(`${url}events`);
    t.after(() => events.close());
    const hello = (await events.next('hello')).data as BalancerStatus;
    assert.deepEqual(
      hello.shields.map((row) => row.id),
      [first.id],
    );

    await shieldsFile.write([first.id, second.id]);
    const change = (await events.next('shields')).data as { added: string[]; removed: string[] };
    assert.deepEqual([change.added, change.removed], [[second.id], []]);
    let state = (await events.next('state')).data as Record<string, unknown>;
    while (state['id'] !== second.id) state = (await events.next('state')).data as typeof state;
    assert.deepEqual(
      [state['id'], state['to'], state['shield']],
      [second.id, 'up', true],
      "the page is told the state is a shield's",
    );
    await waitForShield(balancer, second.id, 'up');
    let status = await getJson<BalancerStatus>(`${url}status`);
    assert.deepEqual(
      status.shields.map((row) => [row.id, row.state]),
      [first.id, second.id].sort().map((id) => [id, 'up']),
    );

    const removed = once(balancer.events, 'shields') as Promise<[ReplicaSetChange]>;
    await shieldsFile.write([second.id]);
    assert.deepEqual(
      (await removed)[0].removed.map(({ id }) => id),
      [first.id],
    );
    status = await getJson<BalancerStatus>(`${url}status`);
    assert.deepEqual(
      status.shields.map((row) => row.id),
      [second.id],
    );
    assert.deepEqual(
      status.replicas.map((row) => row.id),
      [edge.id],
      'the edges are untouched',
    );
    // A summary sent before the file changed may still be queued: wait for one that is newer.
    let summary = (await events.next('summary')).data as BalancerStatus;
    while (summary.shields.some((row) => row.id === first.id)) {
      summary = (await events.next('summary')).data as BalancerStatus;
    }
    assert.deepEqual(
      summary.shields.map((row) => row.id),
      [second.id],
      'the summaries carry the shields',
    );
    assert.deepEqual(
      summary.tiers.tiers.map((tier) => [tier.name, tier.known]),
      [
        ['edge', 1],
        ['shield', 1],
      ],
    );
  });

  it('without --shields: no shield rows, one tier, no shield series', async (t) => {
    const edge = await tieredFake(null, counters(3, 1, 0, 1));
    const { url } = await clusterOver(t, [edge]);
    const status = await getJson<BalancerStatus>(`${url}status`);
    assert.deepEqual(status.shields, []);
    assert.deepEqual(
      status.tiers.tiers.map((tier) => [tier.name, tier.hits, tier.misses, tier.originFetches]),
      [['edge', 3, 1, 1]],
    );
    const text = await (await fetch(`${url}metrics`)).text();
    assert.doesNotMatch(text, /^cdn_balancer_shield_up\{/m);
    assert.doesNotMatch(text, /tier="shield"/);
  });
});
