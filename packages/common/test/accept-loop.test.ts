import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  FrameDecoder,
  LegacyFlag,
  encodeLegacyPacket,
  encodePreamble,
  type Dialect,
} from '@cdn-lab/protocol';
import {
  AcceptLoop,
  connectionLimitsOf,
  openEventLog,
  type ConnectionLimits,
  type DialectHandlers,
  type UnrecognisedStart,
} from '../src/index.js';

/** What the loop did with each connection, as the role saw it. */
interface Seen {
  /** Each dispatched connection: its dialect and the first bytes its handler read. */
  served: { dialect: string; first: Buffer }[];
  unrecognised: UnrecognisedStart[];
  refused: (Dialect | null)[];
  /** 'served', 'unrecognised', 'refused' or 'closed' as each happens. */
  events: EventEmitter;
}

interface LoopSetup {
  loop: AcceptLoop<string>;
  port: number;
  seen: Seen;
}

async function startLoop(
  t: TestContext,
  limits: Partial<ConnectionLimits>,
  handlers: Partial<DialectHandlers<string>> = {},
): Promise<LoopSetup> {
  const seen: Seen = { served: [], unrecognised: [], refused: [], events: new EventEmitter() };
  /** Echoes the stream back, so a test can see the handler got it from its first byte. */
  const serve = (dialect: string) => (socket: Socket) => {
    socket.once('data', (first: Buffer) => {
      seen.served.push({ dialect, first });
      seen.events.emit('served');
    });
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
    socket.resume();
    return dialect;
  };
  const loop = new AcceptLoop<string>({
    limits: connectionLimitsOf(limits),
    log: openEventLog('test', undefined).log,
    handlers: {
      native: serve('native'),
      http: serve('http'),
      legacy: serve('legacy'),
      unrecognised: (socket, _peer, start) => {
        seen.unrecognised.push(start);
        seen.events.emit('unrecognised');
        socket.destroy();
      },
      ...handlers,
    },
    hooks: {
      opened: () => undefined,
      closed: () => seen.events.emit('closed'),
      socketError: () => undefined,
      refused: (_peer, dialect) => {
        seen.refused.push(dialect);
        seen.events.emit('refused');
      },
    },
  });
  const { port } = await loop.listen('127.0.0.1', 0, 'test');
  t.after(() => loop.close(0));
  return { loop, port, seen };
}

async function open(
  t: TestContext,
  port: number,
  allowHalfOpen = false,
  localAddress?: string,
): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen, localAddress });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

function times(emitter: EventEmitter, event: string, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onEvent = (): void => {
      seen += 1;
      if (seen < count) return;
      emitter.off(event, onEvent);
      resolve();
    };
    emitter.on(event, onEvent);
  });
}

const NATIVE = Buffer.concat([encodePreamble(), Buffer.from([0, 0, 0, 0, 0x07])]);
const HTTP = Buffer.from('GET /a HTTP/1.1\r\nHost: x\r\n\r\n');
const LEGACY = encodeLegacyPacket({ seq: 12345, ack: 0, flags: LegacyFlag.SYN });

describe('accept loop', () => {
  it('hands each connection to its dialect with the sniffed bytes put back', async (t) => {
    const { port, seen } = await startLoop(t, {});
    for (const bytes of [NATIVE, HTTP, LEGACY]) {
      const socket = await open(t, port);
      const served = once(seen.events, 'served');
      // Split, so the sniffer must gather the bytes before it decides.
      socket.write(bytes.subarray(0, 2));
      setImmediate(() => socket.write(bytes.subarray(2)));
      await served;
      const [echo] = (await once(socket, 'data')) as [Buffer];
      assert.ok(bytes.subarray(0, echo.length).equals(echo), 'the stream from its first byte');
    }
    assert.deepEqual(
      seen.served.map(({ dialect }) => dialect),
      ['native', 'http', 'legacy'],
    );
  });

  it('leaves what it does not recognise to the role: unknown bytes, legacy it does not speak, and no decision in time', async (t) => {
    const { port, seen } = await startLoop(t, { readTimeoutMs: 200 }, { legacy: undefined });
    const garbage = await open(t, port);
    garbage.write(Buffer.from('0123456789abcdef'));
    await once(seen.events, 'unrecognised');
    const legacy = await open(t, port);
    legacy.write(LEGACY);
    await once(seen.events, 'unrecognised');
    const slow = await open(t, port);
    slow.write('GE');
    await once(seen.events, 'unrecognised');
    assert.deepEqual(seen.unrecognised, [
      { kind: 'dialect', dialect: 'unknown' },
      { kind: 'dialect', dialect: 'legacy' },
      { kind: 'timeout', received: 2 },
    ]);
    assert.equal(seen.served.length, 0);
  });

  it('answers a connection silent for the wait, and only then', async (t) => {
    const silent = new EventEmitter();
    const { port, seen } = await startLoop(
      t,
      {},
      {
        silent: {
          afterMs: 100,
          answer: (socket) => {
            silent.emit('answered');
            socket.end('you said nothing');
          },
        },
      },
    );
    const quick = await open(t, port);
    quick.write(NATIVE);
    await once(seen.events, 'served');
    const quiet = await open(t, port);
    const startedAt = Date.now();
    const text: Buffer[] = [];
    quiet.on('data', (chunk: Buffer) => text.push(chunk));
    await Promise.all([once(silent, 'answered'), once(quiet, 'close')]);
    assert.ok(Date.now() - startedAt >= 90, 'not before the wait');
    assert.equal(Buffer.concat(text).toString(), 'you said nothing');
    assert.deepEqual(
      seen.served.map(({ dialect }) => dialect),
      ['native'],
    );
  });

  it('refuses connections over the maximum in their own dialect, and serves again below it', async (t) => {
    const { loop, port, seen } = await startLoop(t, { maxConnections: 1 });
    const first = await open(t, port);
    first.write(NATIVE);
    await once(seen.events, 'served');
    const second = await open(t, port);
    const frames = new FrameDecoder({ expectPreamble: false });
    const refusal = once(second, 'data');
    second.write(NATIVE);
    const [chunk] = (await refusal) as [Buffer];
    const [message] = frames.push(chunk).messages;
    assert.equal(message?.type === 'error' && message.code, 'too_many_connections');
    assert.deepEqual(seen.refused, ['native']);
    assert.deepEqual(loop.connections, ['native'], 'the refused one is never dispatched');

    const bothClosed = times(seen.events, 'closed', 2);
    first.destroy();
    await bothClosed;
    assert.equal(loop.size, 0);
    const third = await open(t, port);
    third.write(HTTP);
    await once(seen.events, 'served');
    assert.deepEqual(loop.connections, ['http']);
  });

  it('refuses a source address over its share in its own dialect; another address still gets in', async (t) => {
    const { loop, port, seen } = await startLoop(t, {
      maxConnections: 10,
      maxConnectionsPerSource: 2,
    });
    for (let i = 0; i < 2; i += 1) {
      (await open(t, port)).write(NATIVE);
      await once(seen.events, 'served');
    }
    const third = await open(t, port);
    const refusal = once(third, 'data');
    third.write(NATIVE);
    const [chunk] = (await refusal) as [Buffer];
    const [message] = new FrameDecoder({ expectPreamble: false }).push(chunk).messages;
    assert.ok(message?.type === 'error');
    assert.equal(message.code, 'too_many_connections');
    assert.match(message.message, /from your address \(limit 2 per address\)/);
    assert.equal(message.retryAfterMs, 1000);
    const http = await open(t, port);
    const answer = once(http, 'data');
    http.write(HTTP);
    assert.match(String((await answer)[0]), /^HTTP\/1\.1 503 [^]*Retry-After: 1/);

    const other = await open(t, port, false, '127.0.0.2');
    other.write(NATIVE);
    await once(seen.events, 'served');
    assert.deepEqual(loop.connections, ['native', 'native', 'native']);
    assert.deepEqual(seen.refused, ['native', 'http']);
  });

  it('closes an idle native connection, leaving HTTP to its own timeout', async (t) => {
    const { port, seen } = await startLoop(t, { idleTimeoutMs: 150 });
    const http = await open(t, port);
    http.write(HTTP);
    await once(seen.events, 'served');
    await once(http, 'data');
    const native = await open(t, port);
    native.write(NATIVE);
    await once(native, 'data');
    await once(native, 'close');
    // The HTTP connection went idle first: had it a timer, it would be closed by now.
    http.write('still there?');
    const [echo] = (await once(http, 'data')) as [Buffer];
    assert.equal(echo.toString(), 'still there?');
  });

  it('ends every connection on close, and destroys those still open after the grace', async (t) => {
    const { loop, port, seen } = await startLoop(t, {});
    // Half-open: it keeps its side open after the server's end, as a slow client would.
    const lingering = await open(t, port, true);
    lingering.write(NATIVE);
    await once(seen.events, 'served');
    let closeResolved = false;
    const endedBeforeTheGrace = once(lingering, 'end').then(() => !closeResolved);
    lingering.resume();
    const startedAt = Date.now();
    await loop.close(200);
    closeResolved = true;
    assert.equal(await endedBeforeTheGrace, true, 'ended first, destroyed later');
    assert.ok(Date.now() - startedAt >= 150, 'destroyed only after the grace');
  });
});
