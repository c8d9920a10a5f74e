import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, it } from 'node:test';
import { ClientSides, type InterfaceTable } from '../src/index.js';
import { idleLoad, replicaView } from './views.js';

/** One interface entry as os.networkInterfaces() lists it. */
function entry(cidr: string): NetworkInterfaceInfo {
  const [address = '', prefix = ''] = cidr.split('/');
  const v6 = address.includes(':');
  const base = { address, cidr, internal: false, mac: '00:00:00:00:00:00' };
  return v6
    ? { ...base, family: 'IPv6', netmask: `/${prefix}`, scopeid: 0 }
    : { ...base, family: 'IPv4', netmask: `/${prefix}` };
}

/** A machine with an "ingress" network and an "overlay" one, the replicas' (IPv4 and IPv6). */
const SWARM_LIKE: InterfaceTable = () => ({
  ingress: [entry('127.0.0.1/32'), entry('fd00:1::5/64')],
  overlay: [entry('127.0.1.254/24'), entry('fd00:2::5/64')],
});

const ADVERTISED = { host: '203.0.113.7', port: 9100 };
const edge = replicaView('127.0.1.1', 9000, { load: idleLoad({ advertised: ADVERTISED }) });
const plain = replicaView('127.0.1.2', 9000, { load: idleLoad() });
const edgeV6 = replicaView('fd00:2::10', 9000, {
  id: '[fd00:2::10]:9000',
  load: idleLoad({ advertised: { host: '2001:db8::7', port: 9100 } }),
});

describe('inside and outside clients', () => {
  it('gives an inside client the probed address, advertised or not', () => {
    const side = new ClientSides({ interfaces: SWARM_LIKE }).ofLocalAddress('127.0.1.254');
    assert.equal(side.subnet?.cidr, '127.0.1.254/24');
    assert.deepEqual(side.endpointOf(edge), { id: edge.id, host: '127.0.1.1', port: 9000 });
    assert.equal(side.candidates()(plain), true);
  });

  it('gives an outside client the advertised address, and no replica without one', () => {
    const side = new ClientSides({ interfaces: SWARM_LIKE }).ofLocalAddress('127.0.0.1');
    assert.equal(side.subnet?.cidr, '127.0.0.1/32');
    assert.deepEqual(side.endpointOf(edge), { id: '203.0.113.7:9100', ...ADVERTISED });
    assert.equal(side.candidates()(edge), true);
    assert.equal(side.candidates()(plain), false);
  });

  it('asks the dialect about the address the client would be given', () => {
    const side = new ClientSides({ interfaces: SWARM_LIKE }).ofLocalAddress('127.0.0.1');
    const seen: string[] = [];
    const only9100 = side.candidates((address) => {
      seen.push(`${address.host}:${address.port}`);
      return address.port === 9100;
    });
    assert.equal(only9100(edge), true);
    assert.deepEqual(seen, ['203.0.113.7:9100']);
    const inside = new ClientSides({ interfaces: SWARM_LIKE }).ofLocalAddress('127.0.1.254');
    assert.equal(
      inside.candidates((address) => address.port === 9100)(edge),
      false,
      'inside: the probed port is asked',
    );
  });

  it('reads IPv6 subnets, IPv6 endpoints in brackets, and IPv4 on a dual-stack socket', () => {
    const sides = new ClientSides({ interfaces: SWARM_LIKE });
    const outside = sides.ofLocalAddress('fd00:1::5');
    assert.deepEqual(outside.endpointOf(edgeV6), {
      id: '[2001:db8::7]:9100',
      host: '2001:db8::7',
      port: 9100,
    });
    assert.equal(sides.ofLocalAddress('fd00:2::5').endpointOf(edgeV6).id, '[fd00:2::10]:9000');
    assert.equal(sides.ofLocalAddress('::ffff:127.0.1.254').subnet?.cidr, '127.0.1.254/24');
    assert.equal(sides.ofLocalAddress('fd00:2::99').subnet?.cidr, 'fd00:2::5/64');
  });

  it('puts an address on no interface outside every network', () => {
    const side = new ClientSides({ interfaces: SWARM_LIKE }).ofLocalAddress('192.0.2.1');
    assert.equal(side.subnet, null);
    assert.equal(side.candidates()(plain), false);
    assert.equal(side.endpointOf(edge).id, '203.0.113.7:9100');
  });

  it('prefers the interface holding the very address over a wider subnet containing it', () => {
    const sides = new ClientSides({
      interfaces: () => ({ lo: [entry('127.0.0.1/8')], overlay: [entry('127.0.1.254/24')] }),
    });
    assert.equal(sides.ofLocalAddress('127.0.1.254').subnet?.cidr, '127.0.1.254/24');
    assert.equal(sides.ofLocalAddress('127.0.1.77').subnet?.cidr, '127.0.1.254/24');
    assert.equal(sides.ofLocalAddress('127.0.0.1').subnet?.cidr, '127.0.0.1/8');
  });

  it('finds a connection side once, and reads the interfaces again only after the refresh', () => {
    let reads = 0;
    let now = 0;
    let table = SWARM_LIKE;
    const sides = new ClientSides({
      interfaces: () => {
        reads += 1;
        return table();
      },
      refreshMs: 1000,
      now: () => now,
    });
    const connection = { localAddress: '127.0.1.254' };
    const first = sides.ofConnection(connection);
    assert.equal(sides.ofConnection(connection), first);
    sides.ofLocalAddress('127.0.0.1');
    assert.equal(reads, 1);
    table = () => ({ overlay: [entry('127.0.1.254/16')] });
    now = 999;
    assert.equal(sides.ofLocalAddress('127.0.0.1').subnet?.cidr, '127.0.0.1/32');
    now = 1000;
    assert.equal(sides.ofLocalAddress('127.0.0.1').subnet?.cidr, '127.0.1.254/16');
    assert.equal(reads, 2);
    assert.equal(sides.ofConnection(connection), first, 'a connection keeps its side');
  });

  it('counts a replica on any subnet of the interface the connection arrived on as inside', () => {
    const sides = new ClientSides({
      interfaces: () => ({
        eth0: [entry('10.0.1.2/24'), entry('fd00:1::2/64')],
        ingress: [entry('10.0.0.2/24')],
      }),
    });
    const probedV4 = replicaView('10.0.1.5', 9000, { load: idleLoad() });
    const probedV6 = replicaView('fd00:1::7', 9000, { id: '[fd00:1::7]:9000', load: idleLoad() });
    const viaV6 = sides.ofLocalAddress('fd00:1::2');
    assert.equal(viaV6.candidates()(probedV4), true, 'an IPv6 client of eth0 reaches its IPv4');
    assert.deepEqual(viaV6.endpointOf(probedV4), { id: probedV4.id, host: '10.0.1.5', port: 9000 });
    assert.equal(sides.ofLocalAddress('::ffff:10.0.1.2').candidates()(probedV6), true);
    assert.equal(sides.ofLocalAddress('10.0.0.2').candidates()(probedV4), false, 'ingress');
  });

  it('keeps a side candidate list until the routable version changes', () => {
    const side = new ClientSides({ interfaces: SWARM_LIKE }).ofLocalAddress('127.0.0.1');
    const routable = [edge, plain];
    const first = side.among(routable, 1);
    assert.deepEqual(
      first.map((view) => view.id),
      [edge.id],
    );
    assert.equal(side.among(routable, 1), first, 'the same list, not filtered again');
    const both = [
      edge,
      replicaView('127.0.1.2', 9000, { load: idleLoad({ advertised: ADVERTISED }) }),
    ];
    assert.equal(side.among(both, 1).length, 1, 'same version: cached');
    assert.equal(side.among(both, 2).length, 2, 'a new version: filtered again');
  });
});
