import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  SniffedHttpServer,
  connectionLimitsOf,
  openEventLog,
  type ConnectionLimits,
  type HttpConnection,
} from '../src/index.js';

interface Harness {
  port: number;
  /** Answers held back by the role until released, oldest first. */
  held: { url: string; release(): void }[];
  adopted: HttpConnection[];
  draining: boolean;
  /** 'request' for every request the role is given. */
  events: EventEmitter;
}

/** A port whose every connection goes straight to a SniffedHttpServer (as if sniffed HTTP). */
async function harness(
  t: TestContext,
  limits: Partial<ConnectionLimits>,
  holdAnswers = false,
): Promise<Harness> {
  const state: Harness = {
    port: 0,
    held: [],
    adopted: [],
    draining: false,
    events: new EventEmitter(),
  };
  const answer = (res: ServerResponse, url: string): void => {
    res.writeHead(200, { 'Content-Length': url.length + 1 }).end(`${url}\n`);
  };
  const http = new SniffedHttpServer({
    limits: connectionLimitsOf(limits),
    log: openEventLog('test', undefined).log,
    answerHeaders: { 'X-Role': 'test' },
    handler: {
      serve: (req, res) => {
        const url = req.url ?? '';
        if (holdAnswers) state.held.push({ url, release: () => answer(res, url) });
        else setImmediate(() => answer(res, url));
        state.events.emit('request');
      },
      isDraining: () => state.draining,
    },
  });
  const server = createServer((socket) =>
    state.adopted.push(http.adopt(socket, `${socket.remotePort}`)),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

interface RawClient {
  socket: Socket;
  text(): string;
  closed: Promise<unknown>;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  return { socket, text: () => text, closed: once(socket, 'close') };
}

function statusesOf(text: string): string[] {
  return [...text.matchAll(/^HTTP\/1\.1 (\d+)/gm)].map((match) => match[1] ?? '');
}

/** Resolves once the client has received `count` whole status lines. */
async function untilStatuses(client: RawClient, count: number): Promise<void> {
  while (statusesOf(client.text()).length < count) await once(client.socket, 'data');
}

describe('sniffed HTTP server', () => {
  it('answers 408 to a request head not whole within the read timeout, also after an answer', async (t) => {
    const { port } = await harness(t, { readTimeoutMs: 200 });
    const client = await rawClient(port);
    client.socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\n');
    await untilStatuses(client, 1);
    const startedAt = Date.now();
    client.socket.write('GET /second HTTP/1.1\r\nHost: x\r\n');
    await client.closed;
    assert.deepEqual(statusesOf(client.text()), ['200', '408']);
    const elapsed = Date.now() - startedAt;
    assert.ok(elapsed < 2_000, `closed after ${elapsed} ms, long before the keep-alive timeout`);
  });

  it('answers the pipelined requests before a malformed one, then 400, and closes', async (t) => {
    const { port } = await harness(t, {});
    const client = await rawClient(port);
    client.socket.write(
      'GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n' +
        'GET /three HTTP/1.1 oops\r\nHost: a\r\n\r\n',
    );
    await client.closed;
    assert.deepEqual(statusesOf(client.text()), ['200', '200', '400']);
    assert.match(client.text(), /\/one.*\/two/s);
  });

  it('refuses other methods, other versions and too many fields, with the role headers', async (t) => {
    const { port } = await harness(t, { maxHeaders: 3 });
    const ask = async (request: string): Promise<string> => {
      const client = await rawClient(port);
      client.socket.write(request);
      await client.closed;
      return client.text();
    };
    const post = await ask('POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    assert.match(post, /^HTTP\/1\.1 405 /);
    assert.match(post, /\r\nAllow: GET, HEAD\r\n/i);
    assert.match(post, /\r\nX-Role: test\r\n/i);
    assert.match(post, /POST is not supported/);
    const many = await ask('GET /a HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n');
    assert.match(many, /^HTTP\/1\.1 431 /);
    assert.match(many, /more than 3 header fields/);
    const v2 = await ask('GET /a HTTP/2.0\r\nHost: x\r\n\r\n');
    assert.match(v2, /^HTTP\/1\.1 400 /);
  });

  it('ends an idle connection when draining starts, and a busy one after its answer', async (t) => {
    const state = await harness(t, {}, true);
    const idle = await rawClient(state.port);
    const busy = await rawClient(state.port);
    const requested = once(state.events, 'request');
    busy.socket.write('GET /busy HTTP/1.1\r\nHost: x\r\n\r\n');
    await requested;
    state.draining = true;
    for (const connection of state.adopted) connection.drainStarted();
    await idle.closed;
    assert.equal(idle.text(), '');
    assert.equal(busy.socket.readyState, 'open', 'still waiting for its answer');
    state.held[0]?.release();
    await busy.closed;
    assert.deepEqual(statusesOf(busy.text()), ['200']);
    assert.match(busy.text(), /\/busy\n$/);
  });
});
