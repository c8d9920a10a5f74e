import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, UserError } from '@cdn-lab/common';
import { resolveBalancerOptions } from '../src/index.js';
import { adminCluster } from './admin-helpers.js';
import { threeRegions } from './region-helpers.js';

describe('the balancer topology settings', () => {
  it('routes nearest by default with a topology, consistent without one', () => {
    assert.equal(resolveBalancerOptions({}).strategy, 'consistent');
    assert.equal(resolveBalancerOptions({}).topology, null);
    const placed = resolveBalancerOptions({ topology: DEFAULT_TOPOLOGY_FILE });
    assert.equal(placed.strategy, 'nearest');
    assert.deepEqual(
      placed.topology?.regions.map((region) => region.name),
      ['eu', 'us', 'ap'],
    );
    assert.equal(placed.defaultRegion, 'eu', "the file's defaultRegion");
    const chosen = resolveBalancerOptions({ topology: threeRegions(), strategy: 'p2c-ewma' });
    assert.equal(chosen.strategy, 'p2c-ewma');
  });

  it('refuses nearest without a topology in one line naming --topology', () => {
    assert.throws(
      () => resolveBalancerOptions({ strategy: 'nearest' }),
      (error: unknown) =>
        error instanceof UserError &&
        /nearest strategy .*needs a topology: give --topology FILE/.test(error.message) &&
        !error.message.includes('\n'),
    );
  });

  it('takes --default-region only as one of the topology regions', () => {
    const topology = threeRegions();
    assert.equal(resolveBalancerOptions({ topology, defaultRegion: 'ap' }).defaultRegion, 'ap');
    assert.throws(
      () => resolveBalancerOptions({ topology, defaultRegion: 'mars' }),
      /the default region "mars" is not a region of .*three-regions\.yml \(eu, us, ap\)/,
    );
    assert.throws(
      () => resolveBalancerOptions({ defaultRegion: 'eu' }),
      /--default-region needs a --topology/,
    );
  });

  it('names the file and line of a bad topology', () => {
    assert.throws(
      () => resolveBalancerOptions({ topology: '/nonexistent/world.yml' }),
      /cannot read the topology \/nonexistent\/world\.yml: no such file/,
    );
  });

  it('refuses a switch to nearest through the admin API without a topology', async (t) => {
    const { url, balancer } = await adminCluster(t, 1);
    const answer = await fetch(`${url}strategy`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ strategy: 'nearest' }),
    });
    assert.equal(answer.status, 400);
    assert.match(((await answer.json()) as { error: string }).error, /needs a topology/);
    assert.equal(balancer.strategy, 'consistent');
  });
});
