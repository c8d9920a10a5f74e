import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import { bytesOf } from './test-origin.js';

const MiB = 1024 * 1024;

interface CountingOrigin {
  url: string;
  /** Requests by method and target, in order. */
  requests: string[];
  /** Body bytes the kernel took from the origin, over every response. */
  bodyBytesSent(): number;
}

/**
 * An origin serving one large object under any query, that writes its body in 64 KiB pieces
 * as the connection takes them and counts what it took (a body nobody reads stops early).
 */
async function countingOrigin(t: TestContext, body: Buffer): Promise<CountingOrigin> {
  const requests: string[] = [];
  let sent = 0;
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    res.writeHead(200, { 'Content-Length': body.length, ETag: '"big"' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    let at = 0;
    const next = (): void => {
      while (at < body.length && !res.destroyed) {
        const piece = body.subarray(at, at + 64 * 1024);
        at += piece.length;
        const more = res.write(piece, (error) => {
          if (!error) sent += piece.length;
        });
        if (!more) {
          res.once('drain', next);
          return;
        }
      }
      res.end();
    };
    next();
  };
  const server = createServer(serve);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, bodyBytesSent: () => sent };
}

describe('HEAD of an uncached object', { timeout: 30_000 }, () => {
  it('answers from the origin head: 20 cache-busting HEADs fetch no body and cache nothing', async (t) => {
    const size = 16 * MiB;
    const body = bytesOf(size);
    const origin = await countingOrigin(t, body);
    const { replica } = await setup(t, { origin: origin.url });
    const heads = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        httpGet(replica.endpoint.port, `/big.bin?bust=${i}`, { method: 'HEAD' }),
      ),
    );
    for (const head of heads) {
      assert.equal(head.status, 200);
      assert.equal(head.headers['content-length'], String(size));
      assert.equal(head.headers['etag'], '"big"');
      assert.equal(head.headers['x-cache'], 'miss');
    }
    const sent = origin.bodyBytesSent();
    assert.equal(sent, 0, `20 HEADs took ${sent} body bytes from the origin`);
    assert.deepEqual(
      new Set(origin.requests.map((request) => request.split(' ')[0])),
      new Set(['HEAD']),
      'the origin was asked for heads only',
    );
    assert.equal(replica.status().cache.objects, 0, 'a body not fetched is not cached');

    const get = await httpGet(replica.endpoint.port, '/big.bin?bust=0');
    assert.ok(get.body.equals(body), 'a GET still gets the whole object');
    const again = await httpGet(replica.endpoint.port, '/big.bin?bust=0', { method: 'HEAD' });
    assert.equal(again.headers['x-cache'], 'hit', 'and a HEAD of a cached object is a hit');
    assert.equal(origin.requests.length, 21);
  });

  it('answers from the origin HEAD without a size too, and passes a 404 on', async (t) => {
    const { origin, replica } = await setup(t);
    const bytes = bytesOf(5000);
    origin.put('/chunked.bin', bytes, { contentLength: false });
    const head = await httpGet(replica.endpoint.port, '/chunked.bin', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], undefined, 'as a GET of it would stream');
    assert.equal(replica.status().cache.objects, 0);
    const get = await httpGet(replica.endpoint.port, '/chunked.bin');
    assert.equal(get.headers['x-cache'], 'miss', 'the HEAD fetched and cached no body');
    assert.ok(get.body.equals(bytes));
    const missing = await httpGet(replica.endpoint.port, '/none.bin', { method: 'HEAD' });
    assert.equal(missing.status, 404);
    assert.deepEqual(
      origin.requests.map((request) => request.path),
      ['/chunked.bin', '/chunked.bin', '/none.bin'],
    );
  });
});
