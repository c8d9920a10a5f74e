import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { formatReprDigest } from '@cdn-lab/common';
import type { ErrorMessage } from '@cdn-lab/protocol';
import { startReplica, type ReplicaHandle } from '../src/index.js';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import { TestClient, assertFetched, type Fetched } from './test-client.js';
import { bytesOf, sha256 } from './test-origin.js';

/**
 * An origin process answering every request with a close-delimited body (no Content-Length,
 * not chunked: the body ends when the connection closes). It sends the first CUT bytes of
 * BODY_FILE, prints "sent", and then, unless it sent them all, waits to be killed.
 */
const CLOSE_DELIMITED_ORIGIN = `
const net = require('node:net');
const body = require('node:fs').readFileSync(process.env.BODY_FILE);
const cut = Number(process.env.CUT);
const digest = process.env.REPR_DIGEST ? 'Repr-Digest: ' + process.env.REPR_DIGEST + '\\r\\n' : '';
net.createServer((socket) => {
  socket.once('data', () => {
    socket.write('HTTP/1.1 200 OK\\r\\nContent-Type: application/octet-stream\\r\\n' + digest +
      'Connection: close\\r\\n\\r\\n');
    socket.write(body.subarray(0, cut), () => {
      process.stdout.write('sent\\n');
      if (cut >= body.length) socket.end();
    });
  });
}).listen(Number(process.env.PORT), '127.0.0.1', function () {
  process.stdout.write(this.address().port + '\\n');
});
`;

interface OriginProcess {
  child: ChildProcess;
  port: number;
  /** Resolves at the next "sent" line. */
  sent(): Promise<void>;
  kill(): Promise<void>;
}

async function closeDelimitedOrigin(
  t: TestContext,
  env: { bodyFile: string; cut: number; port?: number; digest?: string },
): Promise<OriginProcess> {
  const child = spawn(process.execPath, ['-e', CLOSE_DELIMITED_ORIGIN], {
    env: {
      BODY_FILE: env.bodyFile,
      CUT: String(env.cut),
      PORT: String(env.port ?? 0),
      REPR_DIGEST: env.digest ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: (() => void)[] = [];
  let port = 0;
  const listening = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line === 'sent') waiting.shift()?.();
      else {
        port = Number(line);
        resolve();
      }
    });
  });
  await listening;
  return {
    child,
    port,
    sent: () => new Promise((resolve) => waiting.push(resolve)),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * A replica in front of a close-delimited origin process that is SIGKILLed once it has sent
 * the first 30 000 bytes of `bytes` to the first request; `first` is that request's answer.
 * `restart()` brings the origin back on the same port, sending the whole body.
 */
async function originCrashMidBody(
  t: TestContext,
  bytes: Buffer,
  digest?: string,
): Promise<{ c: TestClient; first: Fetched | ErrorMessage; restart: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-close-delimited-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bodyFile = join(dir, 'body.bin');
  await writeFile(bodyFile, bytes);
  const crashing = await closeDelimitedOrigin(t, { bodyFile, cut: 30_000, digest });
  const replica = await startReplica({ port: 0, origin: `http://127.0.0.1:${crashing.port}` });
  t.after(() => replica.close());
  const c = await TestClient.connect(replica.endpoint.port);
  t.after(() => c.close());
  const sent = crashing.sent();
  const answer = c.get('/obj.bin');
  await sent;
  await crashing.kill();
  const restart = async (): Promise<void> => {
    const whole = { bodyFile, cut: bytes.length, port: crashing.port, digest };
    await closeDelimitedOrigin(t, whole);
  };
  return { c, first: await answer, restart };
}

describe('bodies without Content-Length', { timeout: 60_000 }, () => {
  it('does not cache a close-delimited body an origin crash cut short', async (t) => {
    const bytes = bytesOf(100_000, 9);
    const { c, first, restart } = await originCrashMidBody(t, bytes);
    // Nothing tells 30 000 bytes and a FIN from a whole body: the client in flight gets them.
    assert.ok(!('type' in first) && first.bytes.length === 30_000);
    await restart();
    const second = await c.fetch('/obj.bin');
    assert.equal(second.object.cache, 'miss', 'the cut copy was not kept for the next client');
    assertFetched(second, bytes);
    const third = await c.fetch('/obj.bin');
    assert.equal(third.object.cache, 'miss', 'a close-delimited body is never cached');
  });

  it("fails a cut close-delimited body against the origin's digest, and caches a whole one", async (t) => {
    const bytes = bytesOf(100_000, 10);
    const digest = formatReprDigest(sha256(bytes));
    const { c, first, restart } = await originCrashMidBody(t, bytes, digest);
    assert.ok('type' in first, 'the cut body is not delivered as an object');
    assert.equal(first.code, 'origin_error');
    assert.match(first.message, /Repr-Digest/);
    await restart();
    assertFetched(await c.fetch('/obj.bin'), bytes);
    const again = await c.fetch('/obj.bin');
    assert.equal(again.object.cache, 'hit', "a body the origin's digest vouches for is cached");
  });
});

/** An origin streaming `size` generated bytes, chunked, minding backpressure; reports how far it got. */
async function streamingOrigin(
  t: TestContext,
  size: number,
): Promise<{ url: string; sent: () => number; outcome: Promise<'finished' | 'cut'> }> {
  let sent = 0;
  let settle: (outcome: 'finished' | 'cut') => void = () => undefined;
  const outcome = new Promise<'finished' | 'cut'>((resolve) => (settle = resolve));
  const piece = bytesOf(64 * 1024, 11);
  const server = createServer((_req, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.once('close', () => settle(sent >= size ? 'finished' : 'cut'));
    const pump = (): void => {
      while (sent < size) {
        sent += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, sent: () => sent, outcome };
}

const LARGE = 96 * 1024 * 1024;

/** A replica with a 4 MiB cache in front of an origin streaming LARGE bytes without a length. */
async function replicaOfLargeStream(
  t: TestContext,
): Promise<{ origin: Awaited<ReturnType<typeof streamingOrigin>>; replica: ReplicaHandle }> {
  const origin = await streamingOrigin(t, LARGE);
  const replica = await startReplica({
    port: 0,
    origin: origin.url,
    cacheBytes: 4 * 1024 * 1024,
    maxObjectBytes: 128 * 1024 * 1024,
  });
  t.after(() => replica.close());
  return { origin, replica };
}

describe('bodies without Content-Length, memory', { timeout: 60_000 }, () => {
  it('streams one to an HTTP client as it arrives, and stops the origin fetch when the client leaves', async (t) => {
    const { origin, replica } = await replicaOfLargeStream(t);
    const req = request({
      host: '127.0.0.1',
      port: replica.endpoint.port,
      path: '/big',
      agent: false,
    });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked', 'streamed, no Content-Length');
    await once(res, 'data');
    res.destroy();
    assert.equal(await origin.outcome, 'cut', 'the origin fetch was aborted');
    assert.ok(origin.sent() < LARGE / 2, `the origin sent ${origin.sent()} of ${LARGE} bytes`);
    assert.equal(replica.status().cache.objects, 0);
  });

  it('stops the origin fetch when a native client waiting for the size leaves', async (t) => {
    const { origin, replica } = await replicaOfLargeStream(t);
    const c = await TestClient.connect(replica.endpoint.port);
    const answer = c.get('/big').catch(() => 'closed');
    const fetched = once(replica.events, 'origin-fetch');
    await fetched;
    c.close();
    await answer;
    assert.equal(await origin.outcome, 'cut', 'the origin fetch was aborted');
    assert.ok(origin.sent() < LARGE / 2, `the origin sent ${origin.sent()} of ${LARGE} bytes`);
  });

  it('refuses one larger than the cache to a native client (too_large), while HTTP gets it whole', async (t) => {
    const { origin, replica, client } = await setup(t, { cacheBytes: 1024 * 1024 });
    const bytes = bytesOf(6 * 1024 * 1024, 12);
    origin.put('/chunked.bin', bytes, { contentLength: false });
    const c = await client();
    const native = await c.get('/chunked.bin');
    assert.ok('type' in native && native.type === 'error');
    assert.equal(native.code, 'too_large');
    assert.match(native.message, /no Content-Length/);
    const http = await httpGet(replica.endpoint.port, '/chunked.bin');
    assert.equal(http.status, 200);
    assert.ok(http.body.equals(bytes));
  });

  it('still caches a chunked one that fits the cache, for native and HTTP clients alike', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(500_000, 13);
    origin.put('/fits.bin', bytes, { contentLength: false });
    const c = await client();
    assertFetched(await c.fetch('/fits.bin'), bytes);
    assert.equal((await c.fetch('/fits.bin')).object.cache, 'hit');
    const http = await httpGet(replica.endpoint.port, '/fits.bin');
    assert.equal(http.headers['content-length'], String(bytes.length), 'size known once cached');
    assert.equal(origin.bodiesSent('/fits.bin'), 1);
  });
});
