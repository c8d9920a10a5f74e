import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LEGACY_MAX_PAYLOAD,
  LegacyFlag,
  LegacyHeaderReader,
  decodeLegacyPacket,
  encodeLegacyPacket,
  nextLegacySeq,
  sniffDialect,
} from '../src/index.js';

describe('legacy packets', () => {
  it('lays out seq and ack little-endian and flags big-endian, as the original packs them', () => {
    const packet = encodeLegacyPacket({
      seq: 12345,
      ack: 0x01020304,
      flags: LegacyFlag.SYN | LegacyFlag.FIN,
      payload: Buffer.from('10.0.0.12'),
    });
    assert.deepEqual(
      packet.subarray(0, 12),
      Buffer.from([0x39, 0x30, 0, 0, 4, 3, 2, 1, 0, 0, 0, 3]),
    );
    assert.equal(packet.subarray(12).toString(), '10.0.0.12');
    const decoded = decodeLegacyPacket(packet);
    assert.equal(decoded.seq, 12345);
    assert.equal(decoded.ack, 0x01020304);
    assert.equal(decoded.flags, 3);
    assert.equal(decoded.payload.toString(), '10.0.0.12');
  });

  it('refuses what the original could not read', () => {
    const big = Buffer.alloc(LEGACY_MAX_PAYLOAD + 1);
    assert.throws(() => encodeLegacyPacket({ seq: 1, ack: 1, flags: 2, payload: big }));
    assert.throws(() => encodeLegacyPacket({ seq: 1, ack: 1, flags: 8 }));
    assert.throws(() => encodeLegacyPacket({ seq: -1, ack: 1, flags: 2 }));
    assert.throws(() => decodeLegacyPacket(Buffer.alloc(11)));
    const badFlags = Buffer.alloc(12);
    badFlags.writeUInt32BE(0x10, 8);
    assert.throws(() => decodeLegacyPacket(badFlags));
  });

  it('wraps sequence numbers at 32 bits', () => {
    assert.equal(nextLegacySeq(0xffffffff), 0);
    assert.equal(nextLegacySeq(12345), 12346);
  });

  it('reads 12-byte packets however TCP splits or joins them', () => {
    const a = encodeLegacyPacket({ seq: 12345, ack: 0, flags: LegacyFlag.SYN });
    const b = encodeLegacyPacket({ seq: 7, ack: 12346, flags: LegacyFlag.ACK });
    const c = encodeLegacyPacket({ seq: 8, ack: 12346, flags: LegacyFlag.ACK | LegacyFlag.FIN });
    const stream = Buffer.concat([a, b, c]);
    const reader = new LegacyHeaderReader();
    const seen = [];
    let from = 0;
    for (const to of [5, 7, 20]) {
      const { packets, error } = reader.push(stream.subarray(from, to));
      from = to;
      assert.equal(error, null);
      seen.push(...packets);
    }
    assert.equal(seen.length, 1, 'only the first whole header so far');
    seen.push(...reader.push(stream.subarray(20)).packets);
    assert.deepEqual(
      seen.map((packet) => [packet.seq, packet.ack, packet.flags, packet.payload.length]),
      [
        [12345, 0, 2, 0],
        [7, 12346, 4, 0],
        [8, 12346, 5, 0],
      ],
    );
  });

  it('stops at a header with unknown flag bits', () => {
    const reader = new LegacyHeaderReader();
    const good = encodeLegacyPacket({ seq: 1, ack: 1, flags: LegacyFlag.ACK });
    const { packets, error } = reader.push(Buffer.concat([good, Buffer.from('hello world!')]));
    assert.equal(packets.length, 1);
    assert.match(error ?? '', /flag/);
  });

  it('is what sniffing calls legacy', () => {
    assert.equal(sniffDialect(encodeLegacyPacket({ seq: 12345, ack: 0, flags: 2 })), 'legacy');
    assert.equal(
      sniffDialect(encodeLegacyPacket({ seq: 12345, ack: 0, flags: 2 }).subarray(0, 11)),
      'incomplete',
    );
  });
});
