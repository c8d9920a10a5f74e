import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rendezvousOrder, seededRandom as seeded } from '@cdn-lab/common';
import { consistent, nearest, type ReplicaView } from '../src/index.js';
import { consistentBefore, nearestBefore } from './full-sort-order.js';
import { KEPT_PER_PATH } from '../src/strategies/path-tops.js';
import { idleLoad, replicaView } from './views.js';

const REGIONS = ['eu', 'us', 'ap'];
const CTX = { sequence: 0, random: (): number => 0.5 };

function replicas(count: number): ReplicaView[] {
  return Array.from({ length: count }, (_, index) =>
    replicaView(`127.9.${Math.floor(index / 200)}.${(index % 200) + 1}`, 7000, {
      region: REGIONS[index % 3] as string,
      load: idleLoad({ region: REGIONS[index % 3] as string }),
    }),
  );
}

/** New loads (and now and then a region) on the same views, as pongs would bring. */
function reload(random: () => number, views: ReplicaView[], hot: readonly string[]): void {
  for (const view of views) {
    const active = Math.floor(random() * 3);
    const region =
      random() < 0.02 ? (REGIONS[Math.floor(random() * 3)] as string) : (view.region as string);
    view.inflight = active + Math.floor(random() * 2);
    view.recentRoutes = Math.floor(random() * 3) / 2;
    view.region = region;
    view.load = idleLoad({
      activeTransfers: active,
      responseMs: random() < 0.05 ? 300 : 1,
      region,
    });
  }
  // The hot path's best few all busy or slow: its answer must come from further down.
  for (const id of hot) {
    const view = views.find((v) => v.id === id) as ReplicaView;
    view.inflight = 50;
    view.recentRoutes = 50;
    if (random() < 0.3 && view.load) view.load.responseMs = 300;
  }
}

describe('kept rendezvous tops per path', () => {
  it('a hot path follows changing loads, slow replicas and regions exactly', () => {
    const random = seeded(21);
    const views = replicas(120);
    const paths = Array.from({ length: 5 }, (_, index) => `/hot/${index}.bin`);
    const orders = [
      ['us', 'eu', 'ap'],
      ['ap', 'us', 'eu'],
    ];
    let spilled = 0;
    for (let round = 0; round < 400; round += 1) {
      const path = paths[round % paths.length] as string;
      const crowd = round % 4 === 0 ? KEPT_PER_PATH + 1 : round % 4 === 1 ? 2 : 0;
      reload(
        random,
        views,
        rendezvousOrder(path, views)
          .slice(0, crowd)
          .map((v) => v.id),
      );
      const order = orders[round % 2] as string[];
      const placement = { region: order[0] as string, regionOrder: order, why: 'test' };
      const ids = (list: readonly ReplicaView[]): string[] => list.map((v) => v.id);
      const expected = consistentBefore(views, path).slice(0, 3);
      const fast = consistent(views, { path, wanted: 3 }, CTX);
      assert.deepEqual(ids(fast.ordered), expected, `consistent, round ${round}`);
      assert.equal(fast.reason, consistent(views, { path }, CTX).reason, 'the same reason');
      if (fast.reason.includes('spilled')) spilled += 1;
      const near = nearest(views, { path, placement, wanted: 3 }, CTX);
      assert.deepEqual(
        ids(near.ordered),
        nearestBefore(views, path, order).slice(0, 3),
        `nearest, round ${round}`,
      );
      assert.equal(near.reason, nearest(views, { path, placement }, CTX).reason);
    }
    assert.ok(spilled > 100, `hot paths spilled (${spilled} times)`);
  });

  it('a new list of up replicas is ranked afresh', () => {
    const views = replicas(30);
    const path = '/moving.bin';
    const owner = consistent(views, { path, wanted: 3 }, CTX).ordered[0] as ReplicaView;
    const without = views.filter((view) => view !== owner);
    const expected = consistentBefore(without, path).slice(0, 3);
    assert.ok(!expected.includes(owner.id));
    assert.deepEqual(
      consistent(without, { path, wanted: 3 }, CTX).ordered.map((v) => v.id),
      expected,
    );
    // The same array again, then shortened in place: ranked afresh as well.
    assert.equal(consistent(views, { path, wanted: 3 }, CTX).ordered[0], owner);
    views.splice(views.indexOf(owner), 1);
    assert.deepEqual(
      consistent(views, { path, wanted: 3 }, CTX).ordered.map((v) => v.id),
      expected,
    );
  });
});
