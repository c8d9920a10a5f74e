import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import type { Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OriginClient, OriginFailure } from '../src/cache/origin-client.js';

async function listening<T extends Server | ReturnType<typeof createHttpServer>>(
  t: TestContext,
  server: T,
): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

async function bodyOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function client(t: TestContext, timeoutMs = 1_000): OriginClient {
  const origin = new OriginClient(timeoutMs);
  t.after(() => origin.close());
  return origin;
}

describe('the origin client', () => {
  it('takes the bytes as stored: asks for identity and does not decode a compressed answer', async (t) => {
    const stored = gzipSync(Buffer.from('hello '.repeat(100)));
    let asked: IncomingHttpHeaders = {};
    const server = createHttpServer((req, res) => {
      asked = req.headers;
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': stored.length });
      res.end(stored);
    });
    const port = await listening(t, server);
    const answer = await client(t).fetch(`http://127.0.0.1:${port}/a.txt`, null);
    assert.equal(answer.kind, 'ok');
    assert.ok(answer.kind === 'ok' && (await bodyOf(answer.stream)).equals(stored));
    assert.equal(asked['accept-encoding'], 'identity');
  });

  it('sends the validators, and hands back 304 and 404 as answers', async (t) => {
    const server = createHttpServer((req, res) => {
      res.writeHead(req.headers['if-none-match'] === '"v1"' ? 304 : 404).end();
    });
    const port = await listening(t, server);
    const origin = client(t);
    const url = `http://127.0.0.1:${port}/a.txt`;
    const validators = { etag: '"v1"', lastModified: null };
    assert.equal((await origin.fetch(url, validators)).kind, 'not-modified');
    assert.equal((await origin.fetch(url, null)).kind, 'not-found');
  });

  it('says why an origin could not be asked: refused, or silent past the timeout', async (t) => {
    const closed = createServer();
    const closedPort = await listening(t, closed);
    closed.close();
    await assert.rejects(
      client(t).fetch(`http://127.0.0.1:${closedPort}/a.txt`, null),
      (error: unknown) =>
        error instanceof OriginFailure &&
        error.code === 'origin_unavailable' &&
        /connection refused/.test(error.message),
    );
    const silent = createServer(() => undefined);
    const silentPort = await listening(t, silent);
    const startedAt = Date.now();
    await assert.rejects(
      client(t, 200).fetch(`http://127.0.0.1:${silentPort}/a.txt`, null),
      (error: unknown) =>
        error instanceof OriginFailure &&
        error.code === 'origin_unavailable' &&
        /no answer within 200 ms/.test(error.message),
    );
    assert.ok(Date.now() - startedAt < 2_000);
  });
});
