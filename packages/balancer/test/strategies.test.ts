import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  STRATEGIES,
  STRATEGY_NAMES,
  consistent,
  fnv1a64,
  leastLoaded,
  loadBound,
  p2cCost,
  p2cEwma,
  rendezvousOrder,
  roundRobin,
  seed,
  seedScore,
  slowThresholdMs,
  type ReplicaView,
  type StrategyContext,
} from '../src/index.js';
import { idleLoad, replicaView } from './views.js';

let nextPort = 9001;

function view(overrides: Partial<ReplicaView> = {}): ReplicaView {
  return replicaView('127.0.0.1', overrides.port ?? nextPort++, overrides);
}

/** A small deterministic generator, so failures reproduce. */
function seededRandom(seedValue: number): () => number {
  let state = seedValue >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function ctx(sequence: number, random: () => number = seededRandom(sequence + 1)): StrategyContext {
  return { sequence, random };
}

/** A `random` that returns the given values in turn. */
function scripted(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length] as number;
}

const ids = (list: readonly ReplicaView[]): string[] => list.map((replica) => replica.id);

describe('every strategy', () => {
  const mixed = [
    view({ state: 'down' }),
    view(),
    view({ state: 'draining', inflight: 0, peakEwmaMs: 0.01, rttEwmaMs: 0.01 }),
    view({ state: 'unknown' }),
    view({ inflight: 3 }),
  ];
  const upIds = ids(mixed.filter((replica) => replica.state === 'up')).sort();

  for (const name of STRATEGY_NAMES) {
    it(`${name} orders exactly the up replicas, each once`, () => {
      for (let sequence = 0; sequence < 50; sequence += 1) {
        const choice = STRATEGIES[name](mixed, { path: `/p/${sequence}` }, ctx(sequence));
        assert.deepEqual([...ids(choice.ordered)].sort(), upIds);
        assert.ok(choice.reason.length > 0);
      }
    });

    it(`${name} returns nothing when no replica is up`, () => {
      const none = [
        view({ state: 'down' }),
        view({ state: 'draining' }),
        view({ state: 'unknown' }),
      ];
      assert.deepEqual(STRATEGIES[name](none, { path: '/x' }, ctx(0)).ordered, []);
      assert.deepEqual(STRATEGIES[name]([], { path: '/x' }, ctx(0)).ordered, []);
    });
  }
});

describe('round-robin', () => {
  it('cycles through the up replicas in turn, skipping the rest', () => {
    const replicas = [view(), view({ state: 'down' }), view(), view()];
    const up = ids(replicas.filter((replica) => replica.state === 'up'));
    const bests = [0, 1, 2, 3, 4, 5].map(
      (sequence) => roundRobin(replicas, { path: '/a' }, ctx(sequence)).ordered[0]?.id,
    );
    assert.deepEqual(bests, [...up, ...up]);
  });
});

describe('least-loaded', () => {
  it('picks the replica with the fewest transfers in flight', () => {
    const replicas = [view({ inflight: 3 }), view({ inflight: 1 }), view({ inflight: 2 })];
    assert.deepEqual(
      ids(leastLoaded(replicas, { path: '/a' }, ctx(0)).ordered),
      ids([replicas[1], replicas[2], replicas[0]] as ReplicaView[]),
    );
  });

  it('breaks ties by throughput, then by probe latency', () => {
    const load = (bytesPerSecond: number): ReplicaView['load'] => ({
      activeTransfers: 1,
      activeConnections: 1,
      bytesPerSecond,
      eventLoopLagMs: 0,
      draining: false,
      cachedObjects: 0,
      cachedBytes: 0,
    });
    const busy = view({ inflight: 1, load: load(5000), rttEwmaMs: 1 });
    const slow = view({ inflight: 1, load: load(100), rttEwmaMs: 9 });
    const quick = view({ inflight: 1, load: load(100), rttEwmaMs: 2 });
    assert.deepEqual(ids(leastLoaded([busy, slow, quick], { path: '/a' }, ctx(0)).ordered), [
      quick.id,
      slow.id,
      busy.id,
    ]);
  });
});

describe('p2c-ewma', () => {
  it('picks the cheaper of the two sampled replicas, not the cheapest of all', () => {
    const a = view({ peakEwmaMs: 4, inflight: 1 }); // cost 8
    const b = view({ peakEwmaMs: 2, inflight: 2 }); // cost 6
    const c = view({ peakEwmaMs: 1, inflight: 0 }); // cost 1, never sampled below
    // First draw picks index 0 (a), second picks index 0 of the remaining two (b).
    const choice = p2cEwma([a, b, c], { path: '/a' }, ctx(0, scripted(0.1, 0.1)));
    assert.equal(choice.ordered[0]?.id, b.id);
    assert.match(choice.reason, new RegExp(`${b.id}.*${a.id}`));
    // The rest follow by cost.
    assert.deepEqual(ids(choice.ordered), [b.id, c.id, a.id]);
  });

  it('weighs in-flight work against latency', () => {
    const fastButBusy = view({ peakEwmaMs: 1, inflight: 9 }); // cost 10
    const slowButIdle = view({ peakEwmaMs: 5, inflight: 0 }); // cost 5
    assert.ok(p2cCost(slowButIdle) < p2cCost(fastButBusy));
    const choice = p2cEwma([fastButBusy, slowButIdle], { path: '/a' }, ctx(0));
    assert.equal(choice.ordered[0]?.id, slowButIdle.id);
  });

  it('never returns a replica twice, whatever the random draws', () => {
    const replicas = [view(), view({ peakEwmaMs: 3 }), view({ inflight: 2 }), view()];
    for (const draws of [
      [0, 0],
      [0.999999, 0.999999],
      [0.5, 0.5],
    ]) {
      const ordered = ids(p2cEwma(replicas, { path: '/a' }, ctx(0, scripted(...draws))).ordered);
      assert.equal(new Set(ordered).size, replicas.length);
    }
    const random = seededRandom(7);
    for (let sequence = 0; sequence < 200; sequence += 1) {
      const ordered = ids(p2cEwma(replicas, { path: '/a' }, ctx(sequence, random)).ordered);
      assert.equal(new Set(ordered).size, replicas.length);
    }
  });

  it('spreads decisions over equal replicas', () => {
    const replicas = [view(), view(), view()];
    const random = seededRandom(3);
    const counts = new Map<string, number>();
    for (let sequence = 0; sequence < 600; sequence += 1) {
      const best = p2cEwma(replicas, { path: '/a' }, ctx(sequence, random)).ordered[0]?.id ?? '';
      counts.set(best, (counts.get(best) ?? 0) + 1);
    }
    for (const replica of replicas) assert.ok((counts.get(replica.id) ?? 0) > 100);
  });

  it('keeps traffic off a replica whose reported response time is high though probes are quick', () => {
    const responding = (responseMs: number): ReplicaView['load'] => ({
      activeTransfers: 1,
      activeConnections: 1,
      bytesPerSecond: 0,
      eventLoopLagMs: 0,
      draining: false,
      cachedObjects: 1,
      cachedBytes: 1,
      responseMs,
    });
    const slow = view({ peakEwmaMs: 1, load: responding(50), recentRoutes: 0 });
    const quick = view({ peakEwmaMs: 1, load: responding(1), recentRoutes: 5 });
    assert.ok(p2cCost(slow) > p2cCost(quick));
    const { ordered } = p2cEwma([slow, quick], { path: '/a' }, ctx(1));
    assert.equal(ordered[0], quick);
  });

  it('counts recent routes instead of all routes since the last report when it has them', () => {
    const a = view({ peakEwmaMs: 1, inflight: 40, recentRoutes: 1 });
    assert.equal(p2cCost(a), 1 * (0 + 1 + 1));
  });
});

describe('consistent', () => {
  const paths = Array.from({ length: 1000 }, (_, index) => `/objects/${index}.bin`);
  const owners = (replicas: readonly ReplicaView[]): string[] =>
    paths.map((path) => consistent(replicas, { path }, ctx(0)).ordered[0]?.id ?? '');

  it('hashes with standard 64-bit FNV-1a (stable across processes)', () => {
    // Published FNV-1a 64 test vectors.
    assert.deepEqual(fnv1a64(''), { hi: 0xcbf29ce4, lo: 0x84222325 });
    assert.deepEqual(fnv1a64('a'), { hi: 0xaf63dc4c, lo: 0x8601ec8c });
    assert.deepEqual(fnv1a64('foobar'), { hi: 0x85944171, lo: 0xf73967e8 });
  });

  it('hashes the UTF-8 bytes of any text, a lone surrogate as U+FFFD (like Buffer.from)', () => {
    const reference = (text: string): { hi: number; lo: number } => {
      let hash = 0xcbf29ce484222325n;
      for (const byte of Buffer.from(text, 'utf8')) {
        hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      return { hi: Number(hash >> 32n), lo: Number(hash & 0xffffffffn) };
    };
    const texts = [
      '/objects/1.bin?v=2',
      '/naïve/é/ß',
      '/東京/ファイル',
      '/rocket/🚀/𝄞',
      'lone \ud800 high, lone \udfff low, reversed \udc00\ud800, at the end \ud83d',
      '\u007f\u0080\u07ff\u0800\uffff',
    ];
    for (const text of texts) assert.deepEqual(fnv1a64(text), reference(text), text);
  });

  it('sends a path to the same replica every time, whatever the input order', () => {
    const replicas = [view(), view(), view(), view()];
    const reversed = [...replicas].reverse();
    for (const path of paths.slice(0, 50)) {
      const first = consistent(replicas, { path }, ctx(0)).ordered[0]?.id;
      assert.equal(consistent(replicas, { path }, ctx(99)).ordered[0]?.id, first);
      assert.equal(consistent(reversed, { path }, ctx(1)).ordered[0]?.id, first);
    }
  });

  it("spreads paths evenly and moves only the removed replica's paths", () => {
    const replicas = [view(), view(), view(), view(), view()];
    const before = owners(replicas);
    for (const replica of replicas) {
      const owned = before.filter((owner) => owner === replica.id).length;
      assert.ok(owned > 120 && owned < 280, `${replica.id} owns ${owned} of 1000 paths`);
    }
    const removed = replicas[2] as ReplicaView;
    const after = owners(replicas.filter((replica) => replica !== removed));
    const moved = paths.filter((_, index) => before[index] !== after[index]).length;
    const ownedByRemoved = before.filter((owner) => owner === removed.id).length;
    assert.equal(moved, ownedByRemoved, 'only paths of the removed replica move');
    assert.ok(moved > 120 && moved < 280, `${moved} of 1000 paths moved, expected about 200`);
  });

  it('passes over an owner that answers far slower than the quickest replica, and only then', () => {
    const withResponse = (replica: ReplicaView, responseMs: number): ReplicaView => ({
      ...replica,
      load: idleLoad({ responseMs }),
    });
    const replicas = [view(), view(), view()].map((replica) => withResponse(replica, 1));
    const path = '/a/path';
    const owner = rendezvousOrder(path, replicas)[0] as ReplicaView;
    const slowOwner = replicas.map((r) => (r === owner ? withResponse(r, 51) : r));
    assert.ok(51 > slowThresholdMs(slowOwner));
    const choice = consistent(slowOwner, { path }, ctx(0));
    assert.notEqual(choice.ordered[0]?.id, owner.id);
    assert.equal(choice.ordered.at(-1)?.id, owner.id, 'the slow owner is the last resort');
    assert.match(choice.reason, /answers slowly/);
    const littleSlower = replicas.map((r) => (r === owner ? withResponse(r, 8) : r));
    assert.equal(consistent(littleSlower, { path }, ctx(0)).ordered[0]?.id, owner.id);
  });

  it('spills a path over to the next replica in rendezvous order when the owner is overloaded', () => {
    const replicas = [view(), view(), view()];
    const path = '/hot/object';
    const order = rendezvousOrder(path, replicas);
    const owner = order[0] as ReplicaView;
    const hot = replicas.map((replica) =>
      replica === owner ? { ...replica, inflight: 10 } : replica,
    );
    assert.ok(10 > loadBound(hot));
    const choice = consistent(hot, { path }, ctx(0));
    assert.deepEqual(ids(choice.ordered), [order[1]?.id, order[2]?.id, owner.id]);
    assert.match(choice.reason, /over the load bound/);
  });

  it('keeps the owner while it stays within the bound', () => {
    const replicas = [view(), view(), view()];
    const path = '/warm/object';
    const owner = rendezvousOrder(path, replicas)[0] as ReplicaView;
    const warm = replicas.map((replica) =>
      replica === owner ? { ...replica, inflight: 2 } : replica,
    );
    assert.equal(loadBound(warm), 2); // ceil(1.25 × 3 / 3)
    assert.equal(consistent(warm, { path }, ctx(0)).ordered[0]?.id, owner.id);
  });
});

describe('seed', () => {
  it('ranks by 0.75 × loss% + 0.25 × rtt, lowest first', () => {
    const lossless = view({ lossPercent: 0, rttEwmaMs: 40 }); // 10
    const lossy = view({ lossPercent: 10, rttEwmaMs: 0 }); // 7.5
    const middle = view({ lossPercent: 4, rttEwmaMs: 20 }); // 8
    const ordered = seed([lossless, lossy, middle], { path: '/a' }, ctx(0)).ordered;
    assert.deepEqual(ids(ordered), [lossy.id, middle.id, lossless.id]);
    assert.deepEqual(
      ordered.map(seedScore),
      [lossy, middle, lossless].map((r) => 0.75 * r.lossPercent + 0.25 * r.rttEwmaMs),
    );
  });
});
