import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, linkBetween, loadTopology, openEventLog } from '@cdn-lab/common';
import { ParentHealth, PARENT_RETRY_FIRST_MS } from '../src/cache/parent-health.js';
import { ParentTier } from '../src/cache/parent-tier.js';
import { RegionLinks } from '../src/regions/region-links.js';
import { resolveReplicaOptions, startReplica } from '../src/index.js';
import { parentsFile } from './tiers-harness.js';

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
  it('fails after two failures in a row, waits, lets one trial through, and comes back up', () => {
    let now = 1_000;
    const health = new ParentHealth(() => now);
    assert.equal(health.failed('refused'), false, 'one failure is not enough');
    assert.equal(health.state, 'up');
    assert.equal(health.failed('refused'), true);
    assert.equal(health.state, 'failed');
    assert.equal(health.admits(), false, 'skipped until its retry time');
    assert.equal(health.retryInMs(), PARENT_RETRY_FIRST_MS);
    now += PARENT_RETRY_FIRST_MS;
    assert.equal(health.admits(), true, 'one trial');
    assert.equal(health.admits(), false, 'only one at a time');
    health.failed('still refused');
    assert.equal(health.retryInMs(), 2 * PARENT_RETRY_FIRST_MS, 'the wait grows');
    now += 2 * PARENT_RETRY_FIRST_MS;
    assert.equal(health.admits(), true);
    health.succeeded();
    assert.equal(health.state, 'up');
    assert.equal(health.admits(), true);
    assert.deepEqual([health.fetches, health.failures, health.lastError], [4, 3, 'still refused']);
  });

  it('fails on a failure ratio over recent fetches even without two in a row', () => {
    const health = new ParentHealth(() => 0);
    for (let n = 1; n <= 4; n += 1) {
      health.succeeded();
      health.failed('timeout');
      assert.equal(health.state, n < 4 ? 'up' : 'failed', `${n} of ${2 * n} failed`);
    }
    const steady = new ParentHealth(() => 0);
    for (let n = 0; n < 40; n += 1) {
      steady.succeeded();
      steady.succeeded();
      steady.failed('one in three');
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
  });

  it('refuse a missing parents file at start, naming it', async () => {
    await assert.rejects(
      startReplica({ origin: 'http://127.0.0.1:1', port: 0, parents: '/nonexistent/parents.txt' }),
      /parents file \/nonexistent\/parents\.txt not found; create it with one parent address a line/,
    );
  });
});
