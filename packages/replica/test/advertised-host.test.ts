import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { advertisedHost } from '../src/advertised-host.js';

describe('advertisedHost', () => {
  it('keeps a specific bind address', () => {
    assert.equal(advertisedHost('127.0.1.3'), '127.0.1.3');
    assert.equal(advertisedHost('::1'), '::1');
  });

  it('names a wildcard bind by an external address of this machine', () => {
    const external = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((address) => !address.internal)
      .map((address) => address.address);
    const named = advertisedHost('0.0.0.0');
    if (external.length === 0) {
      assert.equal(named, '0.0.0.0', 'no external address: nothing better to say');
      return;
    }
    assert.ok(external.includes(named), `${named} is one of ${external.join(', ')}`);
    assert.notEqual(isIP(named), 0);
  });
});
