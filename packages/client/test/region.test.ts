import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, UserError, loadTopology, type Topology } from '@cdn-lab/common';
import { LOOPBACK_SPREAD, bindRegion, download, runLoad } from '../src/index.js';
import {
  makeBody,
  routeTo,
  startFakeBalancer,
  startFakeReplica,
  type FakeBalancer,
  type FakeReplica,
} from './fakes.js';

const topology: Topology = loadTopology(DEFAULT_TOPOLOGY_FILE);

function iface(address: string, internal = false): NetworkInterfaceInfo {
  return {
    address,
    netmask: '255.255.255.255',
    family: 'IPv4',
    mac: '02:42:0a:4d:00:05',
    internal,
    cidr: `${address}/32`,
  };
}

describe('bindRegion: where a client in a region connects from', () => {
  it("binds this host's address inside the region's clients ranges (the Docker lab)", () => {
    const interfaces = {
      lo: [iface('127.0.0.1', true)],
      eth0: [iface('10.77.0.5'), iface('10.77.3.5')],
    };
    const binding = bindRegion(topology, 'ap', interfaces);
    assert.equal(binding.source, 'interface');
    assert.deepEqual([binding.nextAddress(), binding.nextAddress()], ['10.77.3.5', '10.77.3.5']);
  });

  it("spreads over the region's loopback client addresses when the host has none there", () => {
    const binding = bindRegion(topology, 'eu', { eth0: [iface('10.77.3.5')] });
    assert.equal(binding.source, 'loopback');
    const addresses = Array.from({ length: LOOPBACK_SPREAD + 1 }, () => binding.nextAddress());
    assert.equal(addresses[0], '127.1.200.1');
    assert.equal(addresses[1], '127.1.200.2');
    assert.equal(new Set(addresses).size, LOOPBACK_SPREAD, 'then it starts over');
    assert.equal(addresses[LOOPBACK_SPREAD], '127.1.200.1');
  });

  it('refuses an unknown region in one line naming the regions of the file', () => {
    assert.throws(
      () => bindRegion(topology, 'mars', {}),
      (error: unknown) => {
        assert.ok(error instanceof UserError);
        assert.equal(
          error.message,
          `--region mars: no such region in ${DEFAULT_TOPOLOGY_FILE} (its regions: eu, us, ap)`,
        );
        return true;
      },
    );
  });
});

describe('a client in a region', () => {
  const body = makeBody(50_000, 9);
  let replica: FakeReplica;
  let balancer: FakeBalancer;

  before(async () => {
    replica = await startFakeReplica([{ path: '/r', body, etag: '"r"' }]);
    balancer = await startFakeBalancer(() => routeTo(replica.endpoint));
  });
  after(async () => {
    await balancer.close();
    await replica.close();
  });

  it('connects to the balancer and the replica from its region and sends the hint', async () => {
    const region = bindRegion(topology, 'us', {});
    const result = await download({ balancer: balancer.address, path: '/r', sink: null, region });
    assert.equal(result.size, body.length);
    assert.equal(balancer.hints.at(-1), 'us');
    assert.match(balancer.sources.at(-1) ?? '', /^127\.2\.200\.\d+$/);
    assert.match(replica.sources.at(-1) ?? '', /^127\.2\.200\.\d+$/);
  });

  it('does the same in load mode, over several source addresses', async () => {
    const region = bindRegion(topology, 'ap', {});
    const replicaBefore = replica.sources.length;
    const hintsBefore = balancer.hints.length;
    const report = await runLoad({
      balancer: balancer.address,
      paths: ['/r'],
      requests: 8,
      concurrency: 4,
      region,
    });
    assert.equal(report.ok, 8);
    assert.deepEqual(new Set(balancer.hints.slice(hintsBefore)), new Set(['ap']));
    const sources = replica.sources.slice(replicaBefore);
    assert.ok(
      sources.every((source) => /^127\.3\.200\.\d+$/.test(source)),
      sources.join(' '),
    );
    assert.ok(new Set(sources).size > 1, `spread over addresses: ${sources.join(' ')}`);
  });

  it('sends no hint and binds nothing without a region', async () => {
    await download({ balancer: balancer.address, path: '/r', sink: null });
    assert.equal(balancer.hints.at(-1), undefined);
    assert.equal(replica.sources.at(-1), '127.0.0.1');
  });
});
