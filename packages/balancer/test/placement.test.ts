import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { peerAddress, placeClient } from '../src/index.js';
import { nestedMap, regionMap } from './region-helpers.js';

describe('client placement', () => {
  const world = regionMap();

  it('places a client by the zone holding its address, and says which range', () => {
    const placed = placeClient(world, '127.3.200.7');
    assert.equal(placed.region, 'ap');
    assert.equal(placed.rule, 'zone');
    assert.deepEqual(placed.zone, { region: 'ap', cidr: '127.3.0.0/16' });
    assert.equal(placed.why, 'zone 127.3.0.0/16 → ap');
    assert.deepEqual(placed.regionOrder, ['ap', 'us', 'eu']);
  });

  it('lets a hint naming a region win over the zone', () => {
    const placed = placeClient(world, '127.3.200.7', 'eu');
    assert.equal(placed.region, 'eu');
    assert.equal(placed.rule, 'hint');
    assert.equal(placed.why, 'hint eu');
    assert.deepEqual(placed.zone, { region: 'ap', cidr: '127.3.0.0/16' }, 'the zone is still told');
    assert.deepEqual(placed.regionOrder, ['eu', 'us', 'ap']);
  });

  it('falls back to the zone for a hint naming no region, and says so', () => {
    const placed = placeClient(world, '127.2.200.1', 'mars');
    assert.equal(placed.region, 'us');
    assert.equal(placed.rule, 'zone');
    assert.equal(placed.why, 'hint mars is no region here; zone 127.2.0.0/16 → us');
  });

  it('places an address in no zone in the default region', () => {
    const placed = placeClient(world, '127.0.0.1');
    assert.equal(placed.region, 'eu');
    assert.equal(placed.rule, 'default');
    assert.equal(placed.zone, null);
    assert.equal(placed.why, 'default region eu (127.0.0.1 in no zone)');
    const overridden = placeClient(regionMap(undefined, 'ap'), '192.0.2.1', 'mars');
    assert.equal(overridden.region, 'ap');
    assert.equal(
      overridden.why,
      'hint mars is no region here; default region ap (192.0.2.1 in no zone)',
    );
  });

  it('matches IPv4-mapped IPv6 addresses as IPv4', () => {
    assert.equal(placeClient(world, '::ffff:127.1.200.9').region, 'eu');
    assert.equal(placeClient(world, peerAddress('::ffff:127.3.200.1:40112')).region, 'ap');
  });

  it('matches IPv6 and IPv4 by the longest prefix', () => {
    const nested = nestedMap();
    assert.equal(placeClient(nested, 'fd00:e0:1::9').region, 'eu');
    assert.equal(placeClient(nested, 'fd00:e0:5::9').region, 'us');
    assert.equal(placeClient(nested, 'fd00:e0:5::9').zone?.cidr, 'fd00:e0:5::/48');
    assert.equal(placeClient(nested, '10.5.3.4').region, 'us');
    assert.equal(placeClient(nested, '10.6.3.4').region, 'eu');
    assert.equal(placeClient(nested, '2001:db8::1').rule, 'default');
    assert.equal(placeClient(nested, '2001:db8::1').region, 'us');
  });

  it('takes the address from a peer written address:port, IPv6 too', () => {
    assert.equal(peerAddress('127.1.200.1:5000'), '127.1.200.1');
    assert.equal(peerAddress('fd00:e0::1:5000'), 'fd00:e0::1');
  });
});
