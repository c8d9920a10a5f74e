import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LOAD_BOUND_FACTOR,
  consistent,
  nearest,
  placeClient,
  rendezvousOrder,
  type ReplicaView,
  type RouteRequest,
} from '../src/index.js';
import { regionMap } from './region-helpers.js';
import { idleLoad, replicaView } from './views.js';

const REGION_NUMBER: Record<string, number> = { eu: 1, us: 2, ap: 3 };

function replica(region: string | null, n: number, overrides: Partial<ReplicaView> = {}) {
  const host = `127.${region === null ? 9 : REGION_NUMBER[region]}.0.${n}`;
  return replicaView(host, 9000, { region, ...overrides });
}

const world = regionMap();
const ctx = { sequence: 0, random: () => 0.5 };
const regionsOf = (list: readonly ReplicaView[]): (string | null)[] => list.map((r) => r.region);

function from(
  address: string,
  path: string | null = '/a',
  hint: string | null = null,
): RouteRequest {
  return { path, placement: placeClient(world, address, hint) };
}

/** Three replicas in each region. */
/** A replica that reported `transfers` in flight at its last pong. */
function busy(transfers: number): Partial<ReplicaView> {
  return { inflight: transfers, load: idleLoad({ activeTransfers: transfers }) };
}

function everywhere(overrides: (view: ReplicaView) => Partial<ReplicaView> = () => ({})) {
  return ['eu', 'us', 'ap'].flatMap((region) =>
    [1, 2, 3].map((n) => {
      const view = replica(region, n);
      return { ...view, ...overrides(view) };
    }),
  );
}

describe('the nearest strategy', () => {
  it("sends a client to its region's owner of the path, then the rest by distance", () => {
    const replicas = everywhere();
    for (const [address, order] of [
      ['127.1.200.1', ['eu', 'us', 'ap']],
      ['127.3.200.1', ['ap', 'us', 'eu']],
      ['127.2.200.1', ['us', 'eu', 'ap']],
    ] as const) {
      const choice = nearest(replicas, from(address, '/objects/1.bin'), ctx);
      const expected = order.flatMap((region) => Array<string>(3).fill(region));
      assert.deepEqual(regionsOf(choice.ordered), expected, `from ${address}`);
      const home = replicas.filter((view) => view.region === order[0]);
      const owner = rendezvousOrder('/objects/1.bin', home)[0];
      assert.equal(choice.ordered[0], owner, 'the owner by rendezvous hash inside the region');
      assert.match(choice.reason, /^zone 127\.\d\.0\.0\/16 → \w+; owner \S+ \(hash\)$/);
    }
  });

  it('keeps one owner per path inside a region, so each region caches a path once', () => {
    const replicas = everywhere();
    const owners = new Set<string>();
    for (let n = 1; n < 30; n += 1) {
      owners.add(nearest(replicas, from(`127.1.200.${n}`, '/same'), ctx).ordered[0]?.id ?? '');
    }
    assert.equal(owners.size, 1);
  });

  it('names the hint and the default region in its reasons', () => {
    const replicas = everywhere();
    const hinted = nearest(replicas, from('127.3.200.1', '/a', 'eu'), ctx);
    assert.equal(hinted.ordered[0]?.region, 'eu');
    assert.match(hinted.reason, /^hint eu; owner /);
    const placedByDefault = nearest(replicas, from('127.0.0.1'), ctx);
    assert.equal(placedByDefault.ordered[0]?.region, 'eu');
    assert.match(placedByDefault.reason, /^default region eu \(127\.0\.0\.1 in no zone\); owner /);
  });

  it('overflows to the next-nearest region when its own has no replica up', () => {
    const replicas = everywhere((view) => (view.region === 'eu' ? { state: 'down' } : {}));
    const choice = nearest(replicas, from('127.1.200.1'), ctx);
    assert.deepEqual(regionsOf(choice.ordered), ['us', 'us', 'us', 'ap', 'ap', 'ap']);
    assert.match(
      choice.reason,
      /^zone 127\.1\.0\.0\/16 → eu; overflow eu → us: eu has no replica up; owner /,
    );
    const twoDown = everywhere((view) => (view.region !== 'ap' ? { state: 'down' } : {}));
    const far = nearest(twoDown, from('127.1.200.1'), ctx);
    assert.equal(far.ordered[0]?.region, 'ap');
    assert.match(far.reason, /overflow eu → ap: eu has no replica up, us has no replica up/);
  });

  it('overflows when every replica of the region is over the load bound', () => {
    // 3 eu replicas at 10 in flight, 6 idle elsewhere: bound = ceil(2 × 31 / 9) = 7, under
    // the floor of OVERFLOW_MIN_TRANSFERS (8).
    const replicas = everywhere((view) => (view.region === 'eu' ? busy(10) : {}));
    const choice = nearest(replicas, from('127.1.200.1'), ctx);
    assert.equal(LOAD_BOUND_FACTOR, 2);
    assert.deepEqual(regionsOf(choice.ordered), [
      'us',
      'us',
      'us',
      'eu',
      'eu',
      'eu',
      'ap',
      'ap',
      'ap',
    ]);
    assert.match(
      choice.reason,
      /overflow eu → us: every eu replica over the load bound \(least loaded 10 > 8\); owner /,
    );
  });

  it('spills inside the region first when only the owner is over the bound', () => {
    const plain = everywhere();
    const owner = nearest(plain, from('127.1.200.1'), ctx).ordered[0] as ReplicaView;
    const loaded = plain.map((view) => (view.id === owner.id ? { ...view, inflight: 20 } : view));
    const choice = nearest(loaded, from('127.1.200.1'), ctx);
    assert.equal(choice.ordered[0]?.region, 'eu');
    assert.notEqual(choice.ordered[0]?.id, owner.id);
    assert.equal(choice.ordered[2]?.id, owner.id, 'the loaded owner ends its region');
    assert.match(
      choice.reason,
      new RegExp(`owner ${owner.id} over the load bound \\(20 > \\d+\\); next by hash`),
    );
  });

  it('orders a region by the fading recent routes, but sends clients away only for transfers', () => {
    const plain = everywhere();
    const owner = nearest(plain, from('127.1.200.1'), ctx).ordered[0] as ReplicaView;
    const busy = plain.map((view) =>
      view.id === owner.id ? { ...view, inflight: 0, recentRoutes: 10 } : view,
    );
    const skipped = nearest(busy, from('127.1.200.1'), ctx);
    assert.equal(skipped.ordered[0]?.region, 'eu');
    assert.notEqual(skipped.ordered[0]?.id, owner.id, 'the estimate moves the path in the region');

    const guessed = everywhere((view) =>
      view.region === 'eu' ? { inflight: 0, recentRoutes: 10 } : { recentRoutes: 0 },
    );
    assert.equal(nearest(guessed, from('127.1.200.1'), ctx).ordered[0]?.region, 'eu');

    // Quick downloads: 40 routes since the last pong, none of them still in flight then.
    const routedFast = everywhere((view) =>
      view.region === 'eu' ? { inflight: 40, load: idleLoad() } : {},
    );
    assert.equal(nearest(routedFast, from('127.1.200.1'), ctx).ordered[0]?.region, 'eu');
  });

  it('keeps a region’s clients home until its replicas carry more than a few transfers each', () => {
    // Only eu is busy: consistent's bound alone, ceil(2 × 13 / 9) = 3, would send them away at 4.
    const few = everywhere((view) => (view.region === 'eu' ? busy(4) : {}));
    assert.equal(nearest(few, from('127.1.200.1'), ctx).ordered[0]?.region, 'eu');
    const many = everywhere((view) => (view.region === 'eu' ? busy(9) : {}));
    assert.equal(nearest(many, from('127.1.200.1'), ctx).ordered[0]?.region, 'us');
  });

  it('puts replicas of no known region last', () => {
    const replicas = [
      replica(null, 1),
      ...everywhere(),
      replica(null, 2),
      replica('eu', 4, { region: 'mars' }),
    ];
    const choice = nearest(replicas, from('127.2.200.1'), ctx);
    assert.deepEqual(regionsOf(choice.ordered).slice(-3).sort(), ['mars', null, null].sort());
    const onlyUnknown = nearest([replica(null, 1), replica(null, 2)], from('127.2.200.1'), ctx);
    assert.equal(onlyUnknown.ordered.length, 2);
    assert.match(
      onlyUnknown.reason,
      /overflow us → replicas of no known region: us has no replica up, eu has no replica up, ap has no replica up/,
    );
  });

  it('without a placement (no topology) hashes the path over every replica, like consistent', () => {
    const replicas = everywhere();
    const choice = nearest(replicas, { path: '/x' }, ctx);
    assert.equal(choice.ordered[0], consistent(replicas, { path: '/x' }, ctx).ordered[0]);
    assert.match(choice.reason, /^no client region \(no topology\); owner /);
  });
});
