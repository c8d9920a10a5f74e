import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FRAME_HEADER_LENGTH,
  FrameDecoder,
  encodeMessage,
  encodeMessages,
  encodePreamble,
  type ControlMessage,
  type Endpoint,
  type RouteOkMessage,
} from '../src/index.js';

/** What a control frame's bytes were before the route answer's JSON was built by hand. */
function byStringify(message: ControlMessage): Buffer {
  const { type, ...fields } = message;
  const json = Buffer.from(JSON.stringify(fields), 'utf8');
  const header = Buffer.alloc(FRAME_HEADER_LENGTH);
  header.writeUInt32BE(json.length, 0);
  header.writeUInt8(encodeMessage(message).readUInt8(4), 4);
  assert.ok(type);
  return Buffer.concat([header, json]);
}

const endpoint = (host: string, port: number): Endpoint => ({
  id: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
  host,
  port,
});

const REASONS = [
  'owner by rendezvous hash (3 in flight, bound 4)',
  '',
  'a "quoted" word',
  'a back\\slash',
  'tab\tnew line\ncontrol \u0001 \u001f del \u007f',
  'non-ASCII: naïve – 東京 🚀',
  'lone surrogates \ud800 and \udfff',
];

function routeOk(reason: string, best: Endpoint, alternates: Endpoint[]): RouteOkMessage {
  return { type: 'route-ok', best, alternates, strategy: 'consistent', reason };
}

describe('encodeMessages', () => {
  it('gives route answers the bytes JSON.stringify gives, for every kind of text', () => {
    const replicas = [endpoint('127.0.0.1', 9001), endpoint('::1', 9002), endpoint('a"b\\c', 3)];
    for (const reason of REASONS) {
      for (let count = 0; count <= replicas.length; count += 1) {
        const [best = replicas[0] as Endpoint, ...alternates] = replicas.slice(0, count);
        const message = routeOk(reason, best, alternates);
        assert.deepEqual(encodeMessage(message), byStringify(message), reason);
      }
    }
  });

  it('does not reuse an endpoint text once the same id names another address', () => {
    const first = routeOk('r', { id: 'replica-a', host: '10.0.0.1', port: 1 }, []);
    const moved = routeOk('r', { id: 'replica-a', host: '10.0.0.2', port: 2 }, []);
    assert.deepEqual(encodeMessage(first), byStringify(first));
    assert.deepEqual(encodeMessage(moved), byStringify(moved));
  });

  it('puts frames one after another that decode to the same messages, in order', () => {
    const messages: ControlMessage[] = [
      routeOk(REASONS[4] as string, endpoint('127.0.0.1', 1), [endpoint('127.0.0.2', 2)]),
      { type: 'error', code: 'no_replica', message: 'none up', retryAfterMs: 500 },
      routeOk(REASONS[2] as string, endpoint('::1', 3), []),
    ];
    const frames = encodeMessages(messages);
    assert.deepEqual(frames, Buffer.concat(messages.map(byStringify)));
    const decoded = new FrameDecoder({ expectPreamble: true }).push(
      Buffer.concat([encodePreamble(), frames]),
    );
    assert.equal(decoded.error, null);
    assert.deepEqual(decoded.messages, messages);
  });
});
