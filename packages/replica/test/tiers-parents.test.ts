import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, linkBetween, loadTopology, openEventLog } from '@cdn-lab/common';
import {
  ParentHealth,
  PARENT_RETRY_FIRST_MS,
  type ParentFetch,
} from '../src/cache/parent-health.js';
import { ParentTier } from '../src/cache/parent-tier.js';
import { RegionLinks } from '../src/regions/region-links.js';
import { resolveReplicaOptions, startReplica } from '../src/index.js';
import { at, parentsFile } from './tiers-harness.js';

const silent = openEventLog('replica', undefined).log;
const PARENTS = ['127.0.2.1:9000', '127.0.2.2:9000', '127.0.2.3:9000', '127.0.2.4:9000'];

async function tierOf(file: string, selfId: string | null = null): Promise<ParentTier> {
  const tier = new ParentTier({
    parentsFile: file,
    defaultPort: 9000,
    reloadIntervalMs: 60_000,
    timeoutMs: 1_000,
    log: silent,
    linkTo: () => null,
    selfId: () => selfId,
  });
  await tier.start();
  return tier;
}

describe('parent choice', () => {
  it('is stable per path, spreads paths across the parents, and skips this replica itself', async (t) => {
    const file = await parentsFile(t, [...PARENTS.slice(0, 3), '127.0.2.4']);
    const tier = await tierOf(file.file, '127.0.2.3:9000');
    t.after(() => tier.stop());
    const again = await tierOf(file.file, '127.0.2.3:9000');
    t.after(() => again.stop());
    const homes = new Map<string, number>();
    for (let n = 0; n < 3000; n += 1) {
      const path = `/objects/${n}.bin`;
      const ranked = tier.rankedFor(path).map((parent) => parent.id);
      assert.deepEqual(
        ranked,
        again.rankedFor(path).map((parent) => parent.id),
        'same in every process',
      );
      assert.deepEqual(
        ranked,
        tier.rankedFor(path).map((parent) => parent.id),
        'same every time',
      );
      assert.equal(ranked.length, 3, "itself left out; a line without a port has the replica's");
      homes.set(ranked[0] as string, (homes.get(ranked[0] as string) ?? 0) + 1);
    }
    assert.deepEqual([...homes.keys()].sort(), [
      '127.0.2.1:9000',
      '127.0.2.2:9000',
      '127.0.2.4:9000',
    ]);
    for (const [id, count] of homes)
      assert.ok(count > 800 && count < 1200, `${id}: ${count} of 3000`);
  });

  it('moves only the paths of a parent that leaves', async (t) => {
    const file = await parentsFile(t, PARENTS);
    const four = await tierOf(file.file);
    t.after(() => four.stop());
    const threeFile = await parentsFile(t, PARENTS.slice(0, 3));
    const three = await tierOf(threeFile.file);
    t.after(() => three.stop());
    for (let n = 0; n < 500; n += 1) {
      const path = `/p${n}`;
      const before = four.rankedFor(path)[0]?.id;
      const after = three.rankedFor(path)[0]?.id;
      if (before !== PARENTS[3]) assert.equal(after, before, `${path} stays home`);
    }
  });
});

describe('parent health', () => {
  /** A fetch the parent admitted, which the test knows it did. */
  function admitted(health: ParentHealth): ParentFetch {
    const fetch = health.admit();
    if (!fetch) throw new Error('the parent admitted no fetch');
    return fetch;
  }

  it('fails after two failures in a row, waits, lets one trial through, and comes back up', () => {
    let now = 1_000;
    const health = new ParentHealth(() => now);
    assert.equal(health.failed(admitted(health), 'refused'), false, 'one failure is not enough');
    assert.equal(health.state, 'up');
    assert.equal(health.failed(admitted(health), 'refused'), true);
    assert.equal(health.state, 'failed');
    assert.equal(health.admit(), null, 'skipped until its retry time');
    assert.equal(health.retryInMs(), PARENT_RETRY_FIRST_MS);
    now += PARENT_RETRY_FIRST_MS;
    const trial = admitted(health);
    assert.equal(health.admit(), null, 'only one at a time');
    health.failed(trial, 'still refused');
    assert.equal(health.retryInMs(), 2 * PARENT_RETRY_FIRST_MS, 'the wait grows');
    now += 2 * PARENT_RETRY_FIRST_MS;
    assert.equal(health.succeeded(admitted(health)), true);
    assert.equal(health.state, 'up');
    assert.notEqual(health.admit(), null);
    assert.deepEqual([health.fetches, health.failures, health.lastError], [4, 3, 'still refused']);
  });

  it('counts the failures of fetches in flight when it was marked failed, without judging by them', () => {
    let now = 1_000;
    const health = new ParentHealth(() => now);
    // A parent killed under load: ten fetches in flight fail one after the other.
    const inFlight = Array.from({ length: 10 }, () => admitted(health));
    for (const fetch of inFlight) health.failed(fetch, 'connection reset');
    assert.equal(health.state, 'failed');
    assert.equal(health.failures, 10, 'every failure is counted');
    assert.equal(health.retryInMs(), PARENT_RETRY_FIRST_MS, 'the first retry is not pushed back');
    now += PARENT_RETRY_FIRST_MS;
    const trial = admitted(health);
    // One more fetch from before the mark fails while the trial is out: still one trial.
    health.failed(at(inFlight, 0), 'connection reset');
    assert.equal(health.admit(), null, 'a second trial does not start while one is in flight');
    assert.equal(health.retryInMs(), 0, 'nor is the wait lengthened');
    assert.equal(health.succeeded(trial), true, "the trial's success brings it up");
    // A fetch from the failed period that fails now does not mark it failed again.
    health.failed(at(inFlight, 1), 'connection reset');
    health.failed(at(inFlight, 2), 'connection reset');
    assert.equal(health.state, 'up');
  });

  it('fails on a failure ratio over recent fetches even without two in a row', () => {
    const health = new ParentHealth(() => 0);
    for (let n = 1; n <= 4; n += 1) {
      health.succeeded(admitted(health));
      health.failed(admitted(health), 'timeout');
      assert.equal(health.state, n < 4 ? 'up' : 'failed', `${n} of ${2 * n} failed`);
    }
    const steady = new ParentHealth(() => 0);
    for (let n = 0; n < 40; n += 1) {
      steady.succeeded(admitted(steady));
      steady.succeeded(admitted(steady));
      steady.failed(admitted(steady), 'one in three');
    }
    assert.equal(steady.state, 'up', 'a third of the fetches failing is not the ratio');
  });
});

describe('the link to a parent (with a topology)', () => {
  it('is the link to the region whose loopback range holds it, else to the origin region', () => {
    const topology = loadTopology(DEFAULT_TOPOLOGY_FILE);
    const links = new RegionLinks(topology, 'eu');
    assert.deepEqual(links.linkToReplicaAt('127.3.0.2'), linkBetween(topology, 'eu', 'ap'));
    assert.deepEqual(links.linkToReplicaAt('127.1.0.5'), linkBetween(topology, 'eu', 'eu'));
    assert.deepEqual(
      links.linkToReplicaAt('10.0.0.9'),
      linkBetween(topology, 'eu', topology.origin),
    );
    assert.deepEqual(links.linkToReplicaAt('127.0.2.1'), links.originLink);
  });
});

describe('tier settings', () => {
  it('default to an edge with 8 hops and no parents, and refuse bad values by name', () => {
    const origin = 'http://127.0.0.1:8080';
    const resolved = resolveReplicaOptions({ origin });
    assert.deepEqual([resolved.tier, resolved.maxHops, resolved.parents], ['edge', 8, null]);
    assert.equal(resolveReplicaOptions({ origin, tier: 'shield' }).tier, 'shield');
    assert.throws(() => resolveReplicaOptions({ origin, tier: 'Shield 1' }), /not a tier name/);
    assert.throws(() => resolveReplicaOptions({ origin, maxHops: 0 }), /the maximum hops/);
    assert.equal(resolved.parentTimeoutMs, 2_000, 'a parent is one hop away');
    assert.throws(
      () => resolveReplicaOptions({ origin, parentTimeoutMs: 0 }),
      /the parent timeout/,
    );
  });

  it('refuse a missing parents file at start, naming it', async () => {
    await assert.rejects(
      startReplica({ origin: 'http://127.0.0.1:1', port: 0, parents: '/nonexistent/parents.txt' }),
      /parents file \/nonexistent\/parents\.txt not found; create it with one parent address a line/,
    );
  });
});
