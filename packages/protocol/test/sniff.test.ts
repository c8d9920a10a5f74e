import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePreamble, sniffDialect } from '../src/index.js';

function legacyPacket(seq: number, ack: number, flags: number): Buffer {
  const packet = Buffer.alloc(12);
  packet.writeUInt32LE(seq, 0);
  packet.writeUInt32LE(ack, 4);
  packet.writeUInt32BE(flags, 8);
  return packet;
}

describe('sniffDialect', () => {
  it('recognises the native preamble, and waits while it is incomplete', () => {
    assert.equal(sniffDialect(encodePreamble()), 'native');
    assert.equal(sniffDialect(Buffer.from('CD')), 'incomplete');
  });

  it('recognises an HTTP request line', () => {
    assert.equal(sniffDialect(Buffer.from('GET / HTTP/1.1\r\n')), 'http');
    assert.equal(sniffDialect(Buffer.from('HEAD /x HTTP/1.1\r\n')), 'http');
    assert.equal(sniffDialect(Buffer.from('GE')), 'incomplete');
  });

  it("recognises the original client's SYN packet", () => {
    assert.equal(sniffDialect(legacyPacket(12345, 0, 0x2)), 'legacy');
  });

  it('calls twelve bytes of anything else unknown', () => {
    assert.equal(sniffDialect(Buffer.from('hello world!')), 'unknown');
    assert.equal(sniffDialect(Buffer.from('hello')), 'incomplete');
  });
});
