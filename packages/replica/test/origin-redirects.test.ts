import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  MAX_ORIGIN_REDIRECTS,
  redirectDecision,
  startReplica,
  type ReplicaOptions,
} from '../src/index.js';
import { httpGet } from './http-helpers.js';
import { TestClient, assertFetched } from './test-client.js';
import { bytesOf } from './test-origin.js';

/** Another server on the machine the replica must never be made to ask (an admin API, say). */
const INTERNAL_HOST = '127.0.3.7';
const REAL = bytesOf(4_000);

async function listening(t: TestContext, server: Server, host: string): Promise<string> {
  server.listen(0, host);
  await once(server, 'listening');
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

/** Counts what reaches it: every request is a request the replica should not have made. */
async function internalServer(
  t: TestContext,
  host: string,
): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"secret":"internal"}');
  });
  return { url: await listening(t, server, host), asked };
}

/**
 * An origin with an open redirect (`/go?to=URL`, as many web apps have), a redirect inside
 * itself (`/moved` → `/real.bin`), and a redirect loop (`/loop/N`).
 */
async function openRedirectOrigin(t: TestContext): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://origin');
    const to = url.searchParams.get('to');
    if (url.pathname === '/go' && to) {
      res.writeHead(302, { Location: to, 'Content-Length': '0' }).end();
    } else if (url.pathname === '/moved') {
      res.writeHead(301, { Location: '/real.bin', 'Content-Length': '0' }).end();
    } else if (url.pathname.startsWith('/loop/')) {
      const next = Number(url.pathname.slice('/loop/'.length)) + 1;
      res.writeHead(307, { Location: `/loop/${next}`, 'Content-Length': '0' }).end();
    } else if (url.pathname === '/real.bin') {
      res.writeHead(200, { 'Content-Length': String(REAL.length), ETag: '"real"' }).end(REAL);
    } else {
      res.writeHead(404, { 'Content-Length': '0' }).end();
    }
  });
  return listening(t, server, '127.0.0.1');
}

async function replicaFor(t: TestContext, origin: string, options: ReplicaOptions = {}) {
  const replica = await startReplica({ origin, port: 0, originRetries: 0, ...options });
  const client = await TestClient.connect(replica.endpoint.port);
  t.after(async () => {
    client.close();
    await replica.close();
  });
  return { port: replica.endpoint.port, client };
}

async function assertRefused(port: number, client: TestClient, path: string): Promise<void> {
  const native = await client.get(path);
  assert.ok('type' in native && native.type === 'error', `native ${path} is refused`);
  assert.equal(native.code, 'origin_error');
  assert.match(native.message, /redirect/);
  const http = await httpGet(port, path);
  assert.equal(http.status, 502, `HTTP ${path} is a 502`);
  assert.match(http.body.toString(), /redirect/);
}

describe('origin redirects', () => {
  it('are not followed by default: an open redirect on the origin never reaches another server', async (t) => {
    const internal = await internalServer(t, INTERNAL_HOST);
    const origin = await openRedirectOrigin(t);
    const { port, client } = await replicaFor(t, origin);
    const toInternal = `/go?to=${internal.url}/status`;
    await assertRefused(port, client, toInternal);
    // Asked again: nothing was cached from the first attempt.
    await assertRefused(port, client, toInternal);
    // Off means off, even for a redirect inside the origin.
    await assertRefused(port, client, '/moved');
    assert.deepEqual(internal.asked, []);
  });

  it('with same-origin, follow redirects inside the origin only, never to another host, port or scheme', async (t) => {
    const internal = await internalServer(t, INTERNAL_HOST);
    const samePortElsewhere = await internalServer(t, '127.0.0.1');
    const origin = await openRedirectOrigin(t);
    const { port, client } = await replicaFor(t, origin, { originRedirects: 'same-origin' });

    assertFetched(await client.fetch('/moved'), REAL);
    const http = await httpGet(port, '/moved');
    assert.equal(http.status, 200);
    assert.deepEqual(http.body, REAL);

    const originPort = new URL(origin).port;
    for (const target of [
      `${internal.url}/status`,
      `${samePortElsewhere.url}/status`,
      `//${INTERNAL_HOST}:${new URL(internal.url).port}/status`,
      `https://127.0.0.1:${originPort}/real.bin`,
    ]) {
      await assertRefused(port, client, `/go?to=${target}`);
    }
    await assertRefused(port, client, '/loop/0');
    assert.deepEqual(internal.asked, []);
    assert.deepEqual(samePortElsewhere.asked, []);
  });

  it('a replica refuses an unknown redirect policy with a one-line error naming the setting', async () => {
    await assert.rejects(
      startReplica({ origin: 'http://127.0.0.1:1', port: 0, originRedirects: 'all' }),
      /origin redirects setting "all" is not one of off, same-origin/,
    );
  });
});

describe('redirectDecision', () => {
  const chain = { first: 'http://o.test:8080/a/b', current: 'http://o.test:8080/a/b', hops: 0 };

  it('answers with anything that is not a redirect with a Location', () => {
    for (const status of [200, 304, 404, 500, 300]) {
      assert.deepEqual(redirectDecision('same-origin', chain, { status, location: '/x' }), {
        kind: 'answer',
      });
    }
    assert.deepEqual(redirectDecision('off', chain, { status: 302, location: null }), {
      kind: 'answer',
    });
  });

  it('refuses every redirect when off', () => {
    const decision = redirectDecision('off', chain, { status: 302, location: '/a/c' });
    assert.equal(decision.kind, 'refuse');
  });

  it('follows same-origin redirects, relative to the URL just asked, without the fragment', () => {
    const current = { ...chain, current: 'http://o.test:8080/a/moved/here' };
    assert.deepEqual(
      redirectDecision('same-origin', current, { status: 308, location: 'next#f' }),
      {
        kind: 'follow',
        url: 'http://o.test:8080/a/moved/next',
      },
    );
    assert.deepEqual(
      redirectDecision('same-origin', chain, { status: 301, location: 'HTTP://O.TEST:8080/z' }),
      { kind: 'follow', url: 'http://o.test:8080/z' },
    );
  });

  it('refuses another host, port or scheme, and a loop', () => {
    for (const location of [
      'http://other.test:8080/a',
      'http://o.test:8081/a',
      'http://o.test/a',
      'https://o.test:8080/a',
      '//127.0.0.1:8080/a',
      'http://user@127.0.0.1:8080/a',
    ]) {
      const decision = redirectDecision('same-origin', chain, { status: 302, location });
      assert.equal(decision.kind, 'refuse', location);
    }
    const looping = { ...chain, hops: MAX_ORIGIN_REDIRECTS };
    assert.equal(
      redirectDecision('same-origin', looping, { status: 302, location: '/a' }).kind,
      'refuse',
    );
  });
});
