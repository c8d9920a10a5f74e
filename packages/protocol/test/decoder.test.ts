import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FrameDecoder,
  FrameType,
  ProtocolError,
  MAX_CONTROL_PAYLOAD,
  MAX_DATA_PAYLOAD,
  encodeFrameHeader,
  encodeMessage,
  encodePreamble,
  type Message,
} from '../src/index.js';

const sample: Message[] = [
  { type: 'route', path: '/objects/1m.bin' },
  {
    type: 'route-ok',
    best: { id: '127.0.1.1:9000', host: '127.0.1.1', port: 9000 },
    alternates: [{ id: '[::1]:9000', host: '::1', port: 9000 }],
    strategy: 'p2c-ewma',
    reason: 'lowest cost 1.2 of 2 sampled',
  },
  { type: 'get', path: null, offset: 0 },
  { type: 'get', path: '/a', offset: 0, hops: 2 },
  {
    type: 'object',
    path: '/a',
    size: 3,
    offset: 1,
    etag: '"x"',
    sha256: null,
    cache: 'miss',
    servedBy: '127.0.1.1:9000',
  },
  { type: 'data', bytes: Buffer.from([1, 2, 3, 250, 0]) },
  { type: 'end', size: 3, sha256: 'a'.repeat(64) },
  {
    type: 'object',
    path: '/b',
    size: 3,
    offset: 0,
    etag: null,
    sha256: 'b'.repeat(64),
    cache: 'miss',
    servedBy: '127.0.1.1:9000',
    originSha256: 'b'.repeat(64),
  },
  { type: 'end', size: 3, sha256: 'b'.repeat(64), originSha256: 'b'.repeat(64) },
  { type: 'ping', seq: 7 },
  {
    type: 'pong',
    seq: 7,
    load: {
      activeTransfers: 2,
      activeConnections: 3,
      bytesPerSecond: 1.5e6,
      eventLoopLagMs: 0.4,
      draining: false,
      cachedObjects: 4,
      cachedBytes: 4096,
    },
  },
  {
    type: 'pong',
    seq: 8,
    load: {
      activeTransfers: 0,
      activeConnections: 1,
      bytesPerSecond: 0,
      eventLoopLagMs: 0,
      draining: false,
      cachedObjects: 0,
      cachedBytes: 0,
      faults: ['delayMs', 'errorRate'],
      responseMs: 51.25,
      advertised: { host: '::1', port: 9100 },
    },
  },
  {
    type: 'pong',
    seq: 9,
    load: {
      activeTransfers: 0,
      activeConnections: 0,
      bytesPerSecond: 0,
      eventLoopLagMs: 0,
      draining: false,
      cachedObjects: 2,
      cachedBytes: 10,
      tier: 'edge',
      hits: 5,
      misses: 2,
      parentFetches: 2,
      originFetches: 0,
      parents: [
        { id: '127.0.2.1:9000', state: 'up' },
        { id: '127.0.2.2:9000', state: 'failed' },
      ],
      advertised: { host: '203.0.113.7', port: 9100 },
    },
  },
  { type: 'error', code: 'no_replica', message: 'no healthy replica', retryAfterMs: 500 },
];

function stream(): Buffer {
  return Buffer.concat([encodePreamble(), ...sample.map(encodeMessage)]);
}

function decodeInPieces(bytes: Buffer, cuts: number[]): Message[] {
  const decoder = new FrameDecoder({ expectPreamble: true });
  const out: Message[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    const result = decoder.push(bytes.subarray(from, cut));
    assert.equal(result.error, null);
    out.push(...result.messages);
    from = cut;
  }
  return out;
}

/** A tiny seeded generator so a failing split can be reproduced from its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe('FrameDecoder', () => {
  it('decodes every message type from one chunk', () => {
    assert.deepEqual(decodeInPieces(stream(), []), sample);
  });

  it('decodes the same messages from every single split point', () => {
    const bytes = stream();
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      assert.deepEqual(decodeInPieces(bytes, [cut]), sample, `split at ${cut}`);
    }
  });

  it('decodes the same messages byte by byte and from random splits', () => {
    const bytes = stream();
    const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
    assert.deepEqual(decodeInPieces(bytes, everyByte), sample);
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = seeded(seed);
      const cuts = everyByte.filter(() => random() < 0.1);
      assert.deepEqual(decodeInPieces(bytes, cuts), sample, `seed ${seed}`);
    }
  });

  it('rejects a wrong magic at the first differing byte', () => {
    const decoder = new FrameDecoder({ expectPreamble: true });
    assert.equal(decoder.push(Buffer.from('GE')).error?.code, 'bad_magic');
  });

  it('rejects an unsupported version', () => {
    const decoder = new FrameDecoder({ expectPreamble: true });
    const preamble = encodePreamble();
    preamble[4] = 9;
    assert.equal(decoder.push(preamble).error?.code, 'unsupported_version');
  });

  it('rejects an oversized frame from its header, before buffering the payload', () => {
    const decoder = new FrameDecoder({ expectPreamble: false });
    const control = decoder.push(rawHeader(FrameType.Route, MAX_CONTROL_PAYLOAD + 1));
    assert.equal(control.error?.code, 'frame_too_large');
    const data = new FrameDecoder({ expectPreamble: false });
    assert.equal(
      data.push(rawHeader(FrameType.Data, MAX_DATA_PAYLOAD + 1)).error?.code,
      'frame_too_large',
    );
    assert.equal(
      data.push(encodeFrameHeader(FrameType.Data, MAX_DATA_PAYLOAD)).error?.code,
      'frame_too_large',
    );
  });

  it('rejects unknown frame types, bad JSON and bad fields with typed errors', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from([0, 0, 0, 0, 0x42]), 'unknown_type'],
      [Buffer.concat([encodeFrameHeader(FrameType.Route, 3), Buffer.from('{x}')]), 'bad_message'],
      [Buffer.concat([encodeFrameHeader(FrameType.Route, 2), Buffer.from('[]')]), 'bad_message'],
      [frame(FrameType.Get, { path: 'no-slash', offset: 0 }), 'bad_message'],
      [frame(FrameType.Get, { path: '/a', offset: -1 }), 'bad_message'],
      [frame(FrameType.Get, { path: '/a', offset: 0, hops: 65 }), 'bad_message'],
      [frame(FrameType.Get, { path: '/a', offset: 0, hops: 1.5 }), 'bad_message'],
      [pongWith({ parents: [{ id: '127.0.2.1:9000', state: 'gone' }] }), 'bad_message'],
      [pongWith({ tier: 'Shield!' }), 'bad_message'],
      [pongWith({ hits: -1 }), 'bad_message'],
      [pongWith({ advertised: '203.0.113.7:9100' }), 'bad_message'],
      [pongWith({ advertised: { host: '', port: 9100 } }), 'bad_message'],
      [pongWith({ advertised: { host: '[::1]', port: 9100 } }), 'bad_message'],
      [pongWith({ advertised: { host: 'a b', port: 9100 } }), 'bad_message'],
      [pongWith({ advertised: { host: '203.0.113.7', port: 0 } }), 'bad_message'],
      [pongWith({ advertised: { host: '203.0.113.7', port: 65536 } }), 'bad_message'],
      [pongWith({ advertised: { host: '203.0.113.7' } }), 'bad_message'],
      [frame(FrameType.End, { size: 1, sha256: 'xyz' }), 'bad_message'],
      [frame(FrameType.End, { size: 1, sha256: 'a'.repeat(64), originSha256: 'A' }), 'bad_message'],
      [frame(FrameType.Error, { code: 'made_up', message: 'm' }), 'bad_message'],
    ];
    for (const [bytes, code] of cases) {
      const decoder = new FrameDecoder({ expectPreamble: false });
      assert.equal(decoder.push(bytes).error?.code, code, bytes.toString('hex'));
    }
  });

  it('reads end and object frames without originSha256 (older replicas) as before', () => {
    const decoder = new FrameDecoder({ expectPreamble: false });
    const old = frame(FrameType.End, { size: 1, sha256: 'a'.repeat(64), originSha256: null });
    assert.deepEqual(decoder.push(old).messages, [
      { type: 'end', size: 1, sha256: 'a'.repeat(64) },
    ]);
  });

  it('keeps messages decoded before an error and refuses input after it', () => {
    const decoder = new FrameDecoder({ expectPreamble: false });
    const good = encodeMessage({ type: 'ping', seq: 1 });
    const result = decoder.push(Buffer.concat([good, Buffer.from([0, 0, 0, 0, 0x42])]));
    assert.deepEqual(result.messages, [{ type: 'ping', seq: 1 }]);
    assert.equal(result.error?.code, 'unknown_type');
    const after = decoder.push(good);
    assert.deepEqual(after.messages, []);
    assert.equal(after.error?.code, 'unknown_type');
  });
});

function frame(type: (typeof FrameType)[keyof typeof FrameType], body: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(body));
  return Buffer.concat([encodeFrameHeader(type, payload.length), payload]);
}

/** A load report's required fields, all zero. */
const IDLE_LOAD = {
  activeTransfers: 0,
  activeConnections: 0,
  bytesPerSecond: 0,
  eventLoopLagMs: 0,
  draining: false,
  cachedObjects: 0,
  cachedBytes: 0,
};

/** A pong frame whose load report has these fields besides the required ones. */
function pongWith(fields: Record<string, unknown>): Buffer {
  return frame(FrameType.Pong, { seq: 1, load: { ...IDLE_LOAD, ...fields } });
}

describe('load report faults', () => {
  it('rejects a pong listing more than 8 faults', () => {
    const load = { ...IDLE_LOAD, faults: Array.from({ length: 9 }, (_, i) => `fault${i}`) };
    const frame = encodeMessage({ type: 'pong', seq: 1, load });
    const { messages, error } = new FrameDecoder({ expectPreamble: false }).push(frame);
    assert.equal(messages.length, 0);
    assert.equal(error?.code, 'bad_message');
  });
});

/** A frame header written by hand, so it can break the limits the encoder enforces. */
function rawHeader(type: number, length: number): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(length, 0);
  header.writeUInt8(type, 4);
  return header;
}

describe('encoder limits', () => {
  const tooLarge = (error: unknown): boolean =>
    error instanceof ProtocolError && error.code === 'frame_too_large';
  it('refuses frames over their type limit, like the decoder', () => {
    assert.throws(
      () => encodeMessage({ type: 'data', bytes: Buffer.alloc(MAX_DATA_PAYLOAD + 1) }),
      tooLarge,
    );
    assert.throws(() => encodeFrameHeader(FrameType.Get, MAX_CONTROL_PAYLOAD + 1), tooLarge);
    assert.throws(() => encodeMessage({ type: 'route', path: `/${'a'.repeat(20_000)}` }), tooLarge);
    const full = encodeMessage({ type: 'data', bytes: Buffer.alloc(MAX_DATA_PAYLOAD) });
    assert.equal(full.length, MAX_DATA_PAYLOAD + 5);
  });
});
