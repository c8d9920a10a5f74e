import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CoverageZone,
  DEFAULT_TOPOLOGY_FILE,
  UserError,
  coverageZoneOf,
  linkBetween,
  loadTopology,
  loopbackClientAddress,
  loopbackReplicaAddress,
  parseBandwidth,
  parseCidr,
  parseTopology,
  regionsByDistance,
  type Cidr,
} from '../src/index.js';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  assert.notEqual(typeof parsed, 'string', `${text} should parse`);
  return parsed as Cidr;
}

const MINIMAL = `
origin: us
regions:
  - name: eu
  - name: us
links:
  - { between: [eu, us], delay: 40ms }
`;

/** The message a bad topology text is refused with. */
function refusal(text: string): string {
  try {
    parseTopology(text, 'world.yml');
  } catch (error) {
    assert.ok(error instanceof UserError, 'a bad file is the user’s mistake, not a crash');
    return error.message;
  }
  assert.fail('the topology should have been refused');
}

describe('coverage zone', () => {
  const zone = new CoverageZone([
    { cidr: cidr('10.0.0.0/8'), region: 'us' },
    { cidr: cidr('10.77.1.0/24'), region: 'eu' },
    { cidr: cidr('10.77.1.128/25'), region: 'ap' },
    { cidr: cidr('fd00:1::/32'), region: 'eu' },
    { cidr: cidr('fd00:1:2::/48'), region: 'ap' },
  ]);

  it('places an address by the longest prefix that holds it', () => {
    assert.deepEqual(zone.match('10.1.2.3'), { region: 'us', cidr: '10.0.0.0/8' });
    assert.deepEqual(zone.match('10.77.1.5'), { region: 'eu', cidr: '10.77.1.0/24' });
    assert.deepEqual(zone.match('10.77.1.200'), { region: 'ap', cidr: '10.77.1.128/25' });
  });

  it('matches IPv6, and IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(zone.match('fd00:1:9::7')?.region, 'eu');
    assert.equal(zone.match('fd00:1:2:0:0:0:0:1')?.region, 'ap');
    assert.equal(zone.match('[fd00:1:2::1]')?.region, 'ap');
    assert.equal(zone.match('::ffff:10.77.1.5')?.region, 'eu');
    assert.equal(zone.match('::ffff:a4d:105')?.region, 'eu');
  });

  it('places nothing it does not hold, nor what is not an address', () => {
    assert.equal(zone.match('192.168.1.1'), null);
    assert.equal(zone.match('fd01::1'), null);
    assert.equal(zone.match('not-an-address'), null);
  });

  it('refuses ranges that are not ranges', () => {
    assert.match(String(parseCidr('10.0.0.0/33')), /prefix length/);
    assert.match(String(parseCidr('10.0.0/8')), /not an address range/);
    assert.match(String(parseCidr('fd00::/129')), /0 to 128/);
    assert.equal(cidr('10.1.2.3/8').base, cidr('10.0.0.0/8').base, 'host bits are cleared');
  });
});

describe('topology file', () => {
  it('reads the shipped default: three regions, the origin in us, every pair linked', () => {
    const world = loadTopology(DEFAULT_TOPOLOGY_FILE);
    assert.deepEqual(
      world.regions.map((region) => [region.name, region.replicas]),
      [
        ['eu', 3],
        ['us', 3],
        ['ap', 3],
      ],
    );
    assert.equal(world.origin, 'us');
    assert.equal(linkBetween(world, 'eu', 'ap').delayMs, 110);
    assert.equal(linkBetween(world, 'ap', 'eu').delayMs, 110, 'a link is the same both ways');
    assert.equal(linkBetween(world, 'us', 'us').delayMs, 1);
    assert.equal(linkBetween(world, 'eu', 'us').bytesPerSecond, 25_000_000);
    const [eu, , ap] = world.regions;
    assert.ok(eu && ap);
    const zone = coverageZoneOf(world);
    assert.equal(zone.match(loopbackClientAddress(ap))?.region, 'ap');
    assert.equal(zone.match('10.77.2.9')?.region, 'us');
    assert.equal(zone.match('127.0.0.1'), null, 'the lab’s own address is in no region');
    assert.equal(loopbackReplicaAddress(eu, 2), '127.1.0.2');
  });

  it('orders regions from nearest to farthest by one-way delay', () => {
    const world = loadTopology(DEFAULT_TOPOLOGY_FILE);
    assert.deepEqual(regionsByDistance(world, 'eu'), ['eu', 'us', 'ap']);
    assert.deepEqual(regionsByDistance(world, 'ap'), ['ap', 'us', 'eu']);
    assert.deepEqual(regionsByDistance(world, 'us'), ['us', 'eu', 'ap']);
  });

  it('fills in what a minimal file leaves out', () => {
    const world = parseTopology(MINIMAL, 'minimal.yml');
    const [eu, us] = world.regions;
    assert.equal(eu?.loopback.text, '127.1.0.0/16');
    assert.equal(us?.loopback.text, '127.2.0.0/16');
    assert.deepEqual(
      eu?.clients.map((range) => range.text),
      ['127.1.0.0/16'],
    );
    assert.equal(eu?.replicas, 1);
    assert.equal(world.defaultRegion, 'eu');
    assert.deepEqual(linkBetween(world, 'eu', 'us'), {
      delayMs: 40,
      jitterMs: 0,
      bytesPerSecond: null,
      loss: 0,
    });
  });

  it('reads JSON as well', () => {
    const world = parseTopology(
      JSON.stringify({
        origin: 'a',
        regions: [{ name: 'a' }, { name: 'b', inside: { delay: 2, loss: '1%' } }],
        links: [{ between: ['a', 'b'], delay: '0.5ms', bandwidth: '1Gbit' }],
      }),
      'world.json',
    );
    assert.equal(linkBetween(world, 'b', 'b').loss, 0.01);
    assert.equal(linkBetween(world, 'a', 'b').delayMs, 0.5);
  });

  it('names the line and the field of every mistake', () => {
    const message = refusal(`origin: us
regions:
  - name: eu
    replicas: three
  - name: us
    clients: [10.0.0.0/33]
    colour: blue
links:
  - between: [eu, us]
    delay: soon
`);
    assert.match(message, /world\.yml:4: regions\[0\]\.replicas: /);
    assert.match(message, /world\.yml:6: regions\[1\]\.clients\[0\]: .*prefix length/);
    assert.match(message, /world\.yml:7: regions\[1\]\.colour: is not a field here/);
    assert.match(message, /world\.yml:10: links\[0\]\.delay: "soon" is not a delay/);
    assert.match(message, /docs\/regions\.md/);
  });

  it('refuses a world that does not hold together', () => {
    assert.match(
      refusal(MINIMAL.replace('origin: us', 'origin: mars')),
      /origin: "mars" is not a region/,
    );
    assert.match(
      refusal(MINIMAL.replace(/links:[\s\S]*/, 'links: []')),
      /no link between eu and us/,
    );
    assert.match(refusal(MINIMAL.replace('- name: us', '- name: eu')), /"eu" is named twice/);
    assert.match(
      refusal(MINIMAL.replace('- name: us', '- name: us\n    loopback: 127.0.0.0/16')),
      /regions\[1\]\.loopback: .*127\.0\.0\.1/,
    );
    assert.match(
      refusal(MINIMAL.replace('- name: us', '- name: us\n    clients: [127.1.0.0/16]')),
      /127\.1\.0\.0\/16 is a range of both eu and us/,
    );
    assert.match(
      refusal(`${MINIMAL}  - { between: [us, eu], delay: 1ms }\n`),
      /eu–us is linked twice|us–eu is linked twice/,
    );
    assert.match(refusal('origin: [\n'), /world\.yml:\d+: /);
  });

  it('says which file it could not read', () => {
    assert.throws(
      () => loadTopology('/nonexistent/world.yml'),
      /\/nonexistent\/world\.yml: no such file/,
    );
  });

  it('reads bandwidths in bits per second', () => {
    assert.equal(parseBandwidth('100Mbit'), 12_500_000);
    assert.equal(parseBandwidth('1Gbit/s'), 125_000_000);
    assert.equal(parseBandwidth('unlimited'), null);
    assert.match(String(parseBandwidth('fast')), /not a bandwidth/);
  });
});
