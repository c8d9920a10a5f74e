import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ERROR_CODES,
  FrameDecoder,
  LegacyHeaderReader,
  MAX_CONTROL_PAYLOAD,
  MAX_DATA_PAYLOAD,
  ProtocolError,
  decodeLegacyPacket,
  encodeMessage,
  encodePreamble,
  sniffDialect,
  type Message,
} from '../src/index.js';

const RUNS = { numRuns: 300 };

/** Splits bytes at the given cut points (any boundaries, as TCP may deliver them). */
function split(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(from, point)));
    from = point;
  }
  return chunks;
}

/** Feeds chunks; every failure must be a typed ProtocolError with a known code, never a throw. */
function decodeAll(
  chunks: Buffer[],
  expectPreamble: boolean,
): { messages: Message[]; error: ProtocolError | null } {
  const decoder = new FrameDecoder({ expectPreamble });
  const messages: Message[] = [];
  let error: ProtocolError | null = null;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    messages.push(...result.messages);
    error = result.error;
  }
  if (error) {
    assert.ok(error instanceof ProtocolError);
    assert.ok((ERROR_CODES as readonly string[]).includes(error.code), error.code);
  }
  return { messages, error };
}

const path = fc.option(
  fc.string({ maxLength: 40 }).map((text) => `/${text}`),
  { nil: null },
);
const message: fc.Arbitrary<Message> = fc.oneof(
  path.map((p) => ({ type: 'route' as const, path: p })),
  fc
    .tuple(path, fc.nat({ max: 2 ** 40 }))
    .map(([p, offset]) => ({ type: 'get' as const, path: p, offset })),
  fc.nat().map((seq) => ({ type: 'ping' as const, seq })),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({
    type: 'data' as const,
    bytes: Buffer.from(bytes),
  })),
  fc
    .tuple(fc.constantFrom(...ERROR_CODES), fc.string({ maxLength: 60 }))
    .map(([code, text]) => ({ type: 'error' as const, code, message: text })),
);

describe('fuzz: FrameDecoder', () => {
  it('never throws on random bytes, with or without a preamble, split anywhere', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (bytes, cuts, withPreamble, expectPreamble) => {
          const stream = withPreamble ? Buffer.concat([encodePreamble(), bytes]) : bytes;
          decodeAll(split(stream, cuts), expectPreamble);
        },
      ),
      RUNS,
    );
  });

  it('decodes valid messages split anywhere to exactly what was sent', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (sent, cuts) => {
          const stream = Buffer.concat([encodePreamble(), ...sent.map((m) => encodeMessage(m))]);
          const { messages, error } = decodeAll(split(stream, cuts), true);
          assert.equal(error, null);
          assert.deepEqual(messages, sent);
        },
      ),
      RUNS,
    );
  });

  it('on mutated valid streams returns a prefix of valid messages or a typed error', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (sent, flips, cuts) => {
          const stream = Buffer.concat([encodePreamble(), ...sent.map((m) => encodeMessage(m))]);
          for (const [at, value] of flips) stream[at % stream.length] = value;
          const { messages } = decodeAll(split(stream, cuts), true);
          assert.ok(messages.length <= sent.length + stream.length);
        },
      ),
      RUNS,
    );
  });

  it('refuses a frame header announcing more than its limit before its payload arrives', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x01, 0x03, 0x05, 0x07, 0x0f),
        fc.integer({ min: 1, max: 2 ** 32 - 1 - MAX_DATA_PAYLOAD }),
        (type, over) => {
          const limit = type === 0x05 ? MAX_DATA_PAYLOAD : MAX_CONTROL_PAYLOAD;
          const header = Buffer.alloc(5);
          header.writeUInt32BE(limit + over, 0);
          header.writeUInt8(type, 4);
          const { error } = decodeAll([encodePreamble(), header], true);
          assert.equal(error?.code, 'frame_too_large');
        },
      ),
      RUNS,
    );
  });
});

describe('fuzz: dialect sniffer', () => {
  it('never throws, and a decision never changes as more bytes arrive', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        (start, more) => {
          const first = sniffDialect(Buffer.from(start));
          const later = sniffDialect(Buffer.concat([start, more]));
          assert.ok(['native', 'http', 'legacy', 'unknown', 'incomplete'].includes(first));
          if (first !== 'incomplete') assert.equal(later, first);
          if (start.length >= 12) assert.notEqual(first, 'incomplete');
        },
      ),
      RUNS,
    );
  });
});

describe('fuzz: legacy decoder', () => {
  it('reads the same packets however the bytes are split, and never throws', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (bytes, cuts) => {
          const whole = new LegacyHeaderReader().push(Buffer.from(bytes));
          const reader = new LegacyHeaderReader();
          const packets = [];
          let error: string | null = null;
          for (const chunk of split(bytes, cuts)) {
            const result = reader.push(chunk);
            packets.push(...result.packets);
            error ??= result.error;
          }
          assert.deepEqual(packets, whole.packets);
          assert.equal(error, whole.error);
        },
      ),
      RUNS,
    );
  });

  it('decodeLegacyPacket either decodes or throws a RangeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        try {
          const packet = decodeLegacyPacket(Buffer.from(bytes));
          assert.equal(packet.payload.length, bytes.length - 12);
        } catch (error) {
          assert.ok(error instanceof RangeError);
        }
      }),
      RUNS,
    );
  });
});
