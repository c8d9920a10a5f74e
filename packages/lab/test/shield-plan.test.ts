import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, loadTopology } from '@cdn-lab/common';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import { planShields } from '../src/replica-plan.js';
import { replicaAdminUrl } from '../src/replica-admin-url.js';
import { labSummary } from '../src/summary.js';
import { fakeLab } from './fake-lab.js';

const topology = loadTopology(DEFAULT_TOPOLOGY_FILE);

describe("cdn-lab up --shield N: the shields' places and the summary", () => {
  it('puts shield-1…N at 127.0.2.n, or with a topology at 127.R.0.(200+n) of the origin region', () => {
    const places = (world: typeof topology | null): string[] =>
      planShields({ ...LAB_DEFAULTS, shields: 2 }, world).map(
        (shield) => `${shield.name}@${shield.host}/${shield.region ?? 'flat'}`,
      );
    assert.deepEqual(places(null), ['shield-1@127.0.2.1/flat', 'shield-2@127.0.2.2/flat']);
    // The default world's origin is in us, the second region: 127.2.0.0/16.
    assert.deepEqual(places(topology), ['shield-1@127.2.0.201/us', 'shield-2@127.2.0.202/us']);
    assert.deepEqual(planShields({ ...LAB_DEFAULTS, shields: 0 }, topology), []);
  });

  it('finds a shield for cdn-lab fault: flat, or in the origin region when a topology is named', () => {
    assert.equal(replicaAdminUrl('shield-2'), 'http://127.0.2.2:9091/');
    const world = (): typeof topology => topology;
    assert.equal(replicaAdminUrl('shield-2', '127.0.1', 9091, world), 'http://127.0.2.2:9091/');
    assert.equal(
      replicaAdminUrl('shield-2', '127.0.1', 9091, world, true),
      'http://127.2.0.202:9091/',
    );
    assert.throws(() => replicaAdminUrl('shield-0'), /shield numbers go from 1 to 54/);
  });

  it('shows the shield rows, the tier picture and what to watch', () => {
    const lab = fakeLab(null, { replicas: 3, shields: 2 });
    const text = labSummary(lab, 'consistent');
    assert.match(
      text,
      /3 replicas behind one balancer \(strategy consistent\), 2 shields between them and the origin\./,
    );
    assert.match(text, /\[shield\]\s+tier shield; parents file \/lab\/parents\.txt/);
    assert.match(text, /shield-1\s+127\.0\.2\.1:9000 .*admin http:\/\/127\.0\.2\.1:9091\//);
    assert.match(text, /shield-2\s+127\.0\.2\.2:9000/);
    assert.ok(
      text.includes(
        'Tiers: clients -> 3 edges (replica-1 … replica-3, tier edge) -> 2 shields (shield-1 … shield-2, tier shield) -> origin',
      ),
      text,
    );
    assert.ok(text.includes('curl -s http://127.0.2.1:9091/status'), text);
    assert.ok(text.includes(`kill -9 ${lab.shields[0]?.child.pid}    # shield-1 down`), text);
    assert.ok(text.includes('npx cdn-lab fault shield-1 --error-rate 1'), text);
    assert.ok(text.includes('http://127.0.1.1:9000/objects/1k.bin | grep -i x-cache'), text);
  });

  it('with a topology, places the shields in the origin region and names the topology for cdn-lab fault', () => {
    const text = labSummary(fakeLab(topology, { replicasPerRegion: 1, shields: 1 }), 'nearest');
    assert.match(text, /, 1 shield between them and the origin, world /);
    assert.match(text, /\[shield\]\s+tier shield in us, the origin's region/);
    assert.match(text, /shield-1\s+127\.2\.0\.201:9000/);
    assert.match(
      text,
      /npx cdn-lab fault shield-1 --topology \S*three-regions\.yml --error-rate 1/,
    );
  });

  it('prints no tier without shields', () => {
    for (const world of [null, topology]) {
      const text = labSummary(fakeLab(world, { replicas: 2 }), 'consistent');
      assert.doesNotMatch(text, /shield|Tiers:/);
    }
  });
});
