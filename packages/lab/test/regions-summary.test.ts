import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, loadTopology } from '@cdn-lab/common';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import type { Lab } from '../src/lab.js';
import { planReplicas } from '../src/replica-plan.js';
import { labSummary } from '../src/summary.js';
import { fakeLab } from './fake-lab.js';

const topology = loadTopology(DEFAULT_TOPOLOGY_FILE);

function labOf(replicasPerRegion: number | null): Lab {
  return fakeLab(topology, { replicasPerRegion });
}

describe("cdn-lab up --topology's plan and summary", () => {
  it("places the file's replicas per region at 127.R.0.n, or --replicas in every region", () => {
    const hosts = (perRegion: number | null): string[] =>
      planReplicas({ ...LAB_DEFAULTS, replicasPerRegion: perRegion }, topology).map(
        (replica) => `${replica.name}@${replica.host}`,
      );
    assert.equal(hosts(null).length, 9, 'the file gives each region 3');
    assert.deepEqual(hosts(1), [
      'replica-eu-1@127.1.0.1',
      'replica-us-1@127.2.0.1',
      'replica-ap-1@127.3.0.1',
    ]);
    assert.throws(
      () => planReplicas({ ...LAB_DEFAULTS, replicasPerRegion: 65 }, topology),
      /--replicas 65 with a topology is per region: at most 64/,
    );
  });

  it('lists the replicas by region and, per region, a cdn-client and a curl line', () => {
    const text = labSummary(labOf(2), 'nearest');
    assert.match(text, /cdn-lab is up: 6 replicas in 3 regions \(eu, us, ap\) .*strategy nearest/);
    assert.match(
      text,
      /\[eu\]\s+clients 127\.1\.0\.0\/16, 10\.77\.1\.0\/24\n.*replica-eu-1\s+127\.1\.0\.1:9000/,
    );
    for (const [region, second] of [
      ['eu', 1],
      ['us', 2],
      ['ap', 3],
    ] as const) {
      assert.ok(text.includes(`npx cdn-client --region ${region} -s 127.0.0.1 -p 9000 `), region);
      assert.ok(
        text.includes(
          `curl --interface 127.${second}.200.1 -sL http://127.0.0.1:9000/index.html -o /dev/null -w '%{remote_ip} %{time_starttransfer}s\\n'`,
        ),
        region,
      );
    }
    const eu = labOf(2).regions[0]?.replicas.length;
    assert.equal(eu, 2);
    assert.match(text, /kill -9 \d+ \d+\s+# every replica of eu/);
    assert.ok(text.includes('npx cdn-lab fault replica-eu-1 --delay 50ms'), text);
  });

  it('keeps the flat summary without a topology', () => {
    const flat = { ...labOf(1), topology: null, regions: [] };
    const text = labSummary(flat, 'consistent');
    assert.match(text, /cdn-lab is up: 3 replicas behind one balancer \(strategy consistent\)\./);
    assert.doesNotMatch(text, /--region|--interface/);
  });
});
