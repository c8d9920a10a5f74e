import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rendezvousOrder, seededRandom as seeded } from '@cdn-lab/common';
import { STRATEGY_NAMES, STRATEGIES, consistent, nearest, type ReplicaView } from '../src/index.js';
import { consistentBefore, nearestBefore } from './full-sort-order.js';
import { firstIndices, TopRanked } from '../src/strategies/top-k.js';
import { idleLoad, replicaView } from './views.js';

const REGIONS = ['eu', 'us', 'ap'];

/** Up replicas with loads drawn so that ties, the load bound and slow ones all happen. */
function randomReplicas(random: () => number, count: number): ReplicaView[] {
  return Array.from({ length: count }, (_, index) => {
    const region = random() < 0.9 ? (REGIONS[Math.floor(random() * 3)] as string) : null;
    const active = Math.floor(random() * 4) * Math.floor(random() * 4);
    return replicaView(`127.9.${Math.floor(index / 200)}.${(index % 200) + 1}`, 7000, {
      inflight: active + Math.floor(random() * 3),
      recentRoutes: Math.floor(random() * 3) / 2,
      rttEwmaMs: Math.floor(random() * 3),
      peakEwmaMs: Math.floor(random() * 3),
      lossPercent: Math.floor(random() * 2) * 5,
      region,
      load: idleLoad({
        activeTransfers: active,
        responseMs: random() < 0.1 ? 200 : Math.floor(random() * 3),
        ...(region ? { region } : {}),
      }),
    });
  });
}

describe('top-k selection', () => {
  it('consistent and nearest send every path where they did before', () => {
    const random = seeded(5);
    const order = ['us', 'eu', 'ap'];
    const placement = { region: 'us', regionOrder: order, why: 'test' };
    for (let round = 0; round < 300; round += 1) {
      const replicas = randomReplicas(random, 1 + Math.floor(random() * 80));
      // Now and then a crowded home region, so nearest overflows.
      if (round % 3 === 0) {
        for (const r of replicas) {
          if (r.region === 'us' && r.load) r.load.activeTransfers = 20;
        }
      }
      const path = `/objects/${round}.bin`;
      const ctx = { sequence: 0, random: () => 0.5 };
      for (const wanted of [3, undefined]) {
        const ids = (views: readonly ReplicaView[]): string[] => views.map((v) => v.id);
        const expectedConsistent = consistentBefore(replicas, path).slice(0, wanted);
        assert.deepEqual(
          ids(consistent(replicas, { path, wanted }, ctx).ordered),
          expectedConsistent,
        );
        const expectedNearest = nearestBefore(replicas, path, order).slice(0, wanted);
        assert.deepEqual(
          ids(nearest(replicas, { path, placement, wanted }, ctx).ordered),
          expectedNearest,
          `round ${round}`,
        );
      }
    }
  });

  it('gives the prefix a stable sort gives, ties included', () => {
    const random = seeded(7);
    for (let round = 0; round < 300; round += 1) {
      const size = Math.floor(random() * 40);
      const keys = Array.from({ length: size }, () => Math.floor(random() * 5));
      const compare = (a: number, b: number): number => (keys[a] as number) - (keys[b] as number);
      const sorted = keys.map((_, index) => index).sort(compare);
      for (const count of [0, 1, 2, 3, 7, size]) {
        assert.deepEqual(firstIndices(size, count, compare), sorted.slice(0, count), `${keys}`);
      }
    }
  });

  it("TopRanked gives rendezvousOrder's prefix, split by tier", () => {
    const random = seeded(11);
    for (let round = 0; round < 200; round += 1) {
      const nodes = Array.from({ length: 1 + Math.floor(random() * 50) }, (_, index) => ({
        id: `node-${index}-${Math.floor(random() * 1000)}`,
        tier: Math.floor(random() * 3),
      }));
      const unique = [...new Map(nodes.map((node) => [node.id, node])).values()];
      const path = `/p/${round}`;
      const ranked = rendezvousOrder(path, unique);
      const expected = [0, 1, 2].flatMap((tier) => ranked.filter((node) => node.tier === tier));
      for (const count of [1, 3, undefined]) {
        const top = new TopRanked(count);
        // Weights as rendezvousOrder has them: rank 0 the heaviest.
        unique.forEach((node, at) => {
          top.offer(at, node.tier, ranked.length - ranked.indexOf(node), node.id);
        });
        const picked = top.positions().map((at) => unique[at]);
        assert.deepEqual(picked, expected.slice(0, count ?? expected.length));
      }
    }
  });

  it('every strategy asked for the first few gives the first few of its whole order', () => {
    const random = seeded(3);
    const placement = { region: 'us', regionOrder: ['us', 'eu', 'ap'], why: 'test' };
    for (let round = 0; round < 150; round += 1) {
      const replicas = randomReplicas(random, 1 + Math.floor(random() * 60));
      const path = `/objects/${Math.floor(random() * 1000)}.bin`;
      for (const name of STRATEGY_NAMES) {
        const draws = Array.from({ length: 4 }, random);
        const ctx = (): { sequence: number; random: () => number } => {
          let at = 0;
          return { sequence: round, random: () => draws[at++ % draws.length] as number };
        };
        const request = name === 'nearest' ? { path, placement } : { path };
        const all = STRATEGIES[name](replicas, request, ctx());
        for (const wanted of [1, 3]) {
          const few = STRATEGIES[name](replicas, { ...request, wanted }, ctx());
          assert.deepEqual(
            few.ordered.map((view) => view.id),
            all.ordered.slice(0, wanted).map((view) => view.id),
            `${name}, round ${round}, wanted ${wanted}`,
          );
          assert.equal(few.reason, all.reason, `${name}: the same reason`);
        }
      }
    }
  });
});
