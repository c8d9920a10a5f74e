import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  bareHost,
  bodyTypeProblem,
  crossSiteReason,
  hostNamesAdmin,
  openEventLog,
  readJsonObject,
  sendJson,
  startAdminServer,
} from '../src/index.js';

const TOKEN = 'S3CRET-token';

interface Admin {
  port: number;
  /** What the mutating endpoint was asked to do: a refused request never gets here. */
  changes: unknown[];
}

async function admin(
  t: TestContext,
  options: { host?: string; token?: string; allowedHosts?: string[] } = {},
): Promise<Admin> {
  const changes: unknown[] = [];
  const server = await startAdminServer({
    host: options.host ?? '127.0.0.1',
    port: 0,
    token: options.token,
    allowedHosts: options.allowedHosts,
    log: openEventLog('test', undefined).log,
    what: 'test admin',
    routes: [
      { method: 'GET', path: '/status', handle: (_req, res) => sendJson(res, 200, { ok: 1 }) },
      {
        method: 'POST',
        path: '/faults',
        handle: async (req, res) => {
          changes.push(await readJsonObject(req));
          sendJson(res, 200, { changed: true });
        },
      },
      {
        method: 'DELETE',
        path: '/faults',
        handle: (_req, res) => {
          changes.push('cleared');
          sendJson(res, 200, {});
        },
      },
    ],
  });
  t.after(() => server.close());
  return { port: server.port, changes };
}

/** Sends exactly these bytes (so duplicate and odd headers go out as written); the status. */
async function ask(port: number, head: string[], body = '', host = '127.0.0.1'): Promise<number> {
  const socket = connect(port, host);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const length = body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`];
  socket.end([...head, ...length, 'Connection: close', '', body].join('\r\n'));
  await once(socket, 'close');
  const status = /^HTTP\/1\.1 (\d{3})/.exec(Buffer.concat(chunks).toString('latin1'))?.[1];
  return Number(status ?? 0);
}

const FAULTS = '{"errorRate":1}';
const json = 'Content-Type: application/json';
const post = (host = '127.0.0.1'): string[] => ['POST /faults HTTP/1.1', `Host: ${host}`];

/** Requests that do not carry the token exactly as `Authorization: Bearer <token>`. */
const WITHOUT_THE_TOKEN: [string, string[], string?][] = [
  ['no Authorization', []],
  ['Bearer with no token', ['Authorization: Bearer']],
  ['Bearer and a space', ['Authorization: Bearer ']],
  ['an empty quoted token', ['Authorization: Bearer ""']],
  ['a shorter token (a prefix)', [`Authorization: Bearer ${TOKEN.slice(0, -1)}`]],
  ['a longer token', [`Authorization: Bearer ${TOKEN}x`]],
  ['the token in another case', [`Authorization: Bearer ${TOKEN.toLowerCase()}`]],
  ['lowercase bearer, wrong token', ['Authorization: bearer wrong']],
  ['the token twice', [`Authorization: Bearer ${TOKEN} ${TOKEN}`]],
  ['no space after Bearer', [`Authorization: Bearer${TOKEN}`]],
  ['no scheme', [`Authorization: ${TOKEN}`]],
  ['another scheme', [`Authorization: Token ${TOKEN}`]],
  [
    'Basic auth with the token as password',
    [`Authorization: Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`],
  ],
  ['Basic auth of the token', [`Authorization: Basic ${Buffer.from(TOKEN).toString('base64')}`]],
  ['the token base64-encoded', [`Authorization: Bearer ${Buffer.from(TOKEN).toString('base64')}`]],
  [
    'the token percent-encoded',
    [`Authorization: Bearer ${encodeURIComponent(TOKEN).replace('S', '%53')}`],
  ],
  ['a wildcard', ['Authorization: Bearer *']],
  [
    'two Authorization headers, the wrong one first',
    ['Authorization: Bearer wrong', `Authorization: Bearer ${TOKEN}`],
  ],
  ['the token in Proxy-Authorization', [`Proxy-Authorization: Bearer ${TOKEN}`]],
  ['the token in X-Admin-Token', [`X-Admin-Token: ${TOKEN}`]],
  ['the token in a cookie', [`Cookie: token=${TOKEN}`]],
  ['the token in the query', [], `?token=${TOKEN}&access_token=${TOKEN}`],
];

describe('admin request guard', () => {
  it('enforces a configured token on loopback for every mutating method', async (t) => {
    const { port, changes } = await admin(t, { token: TOKEN });
    assert.equal(await ask(port, [...post(), json], FAULTS), 401);
    assert.equal(await ask(port, ['DELETE /faults HTTP/1.1', 'Host: 127.0.0.1']), 401);
    assert.deepEqual(changes, []);
    const bearer = `Authorization: Bearer ${TOKEN}`;
    assert.equal(await ask(port, [...post(), json, bearer], FAULTS), 200);
    assert.equal(await ask(port, ['DELETE /faults HTTP/1.1', 'Host: 127.0.0.1', bearer]), 200);
    assert.equal(await ask(port, [...post(), json, `Authorization: bearer ${TOKEN}`], FAULTS), 200);
    assert.deepEqual(changes, [{ errorRate: 1 }, 'cleared', { errorRate: 1 }]);
    // Reading needs no token (Prometheus, the dashboard's EventSource cannot send one).
    assert.equal(await ask(port, ['GET /status HTTP/1.1', 'Host: 127.0.0.1']), 200);
  });

  for (const [what, headers, query = ''] of WITHOUT_THE_TOKEN) {
    it(`refuses a change with ${what}`, async (t) => {
      const { port, changes } = await admin(t, { token: TOKEN });
      const head = [`POST /faults${query} HTTP/1.1`, 'Host: 127.0.0.1', json, ...headers];
      assert.equal(await ask(port, head, FAULTS), 401);
      assert.deepEqual(changes, []);
    });
  }

  it('takes a JSON body or none; a form or text/plain body (what any page may send) is a 415', async (t) => {
    const { port, changes } = await admin(t);
    for (const type of [
      'Content-Type: text/plain',
      'Content-Type: text/plain;charset=UTF-8',
      'Content-Type: application/x-www-form-urlencoded',
      'Content-Type: multipart/form-data; boundary=x',
      'Content-Type: application/jsonx',
    ]) {
      assert.equal(await ask(port, [...post(), type], FAULTS), 415, type);
    }
    assert.equal(await ask(port, post(), FAULTS), 415, 'a body without a type');
    assert.deepEqual(changes, []);
    assert.equal(
      await ask(port, [...post(), 'Content-Type: Application/JSON; charset=utf-8'], FAULTS),
      200,
    );
    assert.equal(await ask(port, post()), 200, 'no body');
    assert.equal(await ask(port, ['DELETE /faults HTTP/1.1', 'Host: 127.0.0.1']), 200);
    assert.equal(changes.length, 3);
  });

  it("refuses a change sent by another site's page; its own page and tools pass", async (t) => {
    const { port, changes } = await admin(t);
    const own = `http://127.0.0.1:${port}`;
    for (const foreign of [
      'Origin: http://evil.example',
      `Origin: http://127.0.0.1:${port + 1}`,
      `Origin: http://localhost:${port}`,
      'Origin: null',
      'Sec-Fetch-Site: cross-site',
      'Sec-Fetch-Site: same-site',
    ]) {
      assert.equal(
        await ask(port, [...post(`127.0.0.1:${port}`), json, foreign], FAULTS),
        403,
        foreign,
      );
    }
    assert.deepEqual(changes, []);
    for (const fine of [
      [`Origin: ${own}`, 'Sec-Fetch-Site: same-origin'],
      ['Sec-Fetch-Site: none'],
      [],
    ]) {
      assert.equal(await ask(port, [...post(`127.0.0.1:${port}`), json, ...fine], FAULTS), 200);
    }
    assert.equal(changes.length, 3);
  });

  it('refuses any request whose Host names another server (DNS rebinding), reads included', async (t) => {
    const { port, changes } = await admin(t, { allowedHosts: ['cdn-admin.lab'] });
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.2',
      '127.0.0.1.evil.example',
      '[::1]',
    ]) {
      assert.equal(await ask(port, ['GET /status HTTP/1.1', `Host: ${host}`]), 403, host);
      assert.equal(await ask(port, [...post(host), json], FAULTS), 403, host);
    }
    assert.deepEqual(changes, []);
    for (const host of [
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '127.0.0.1:19090',
      `localhost:${port}`,
      `LOCALHOST.:${port}`,
      `[::ffff:127.0.0.1]:${port}`,
      'cdn-admin.lab:9090',
    ]) {
      assert.equal(await ask(port, ['GET /status HTTP/1.1', `Host: ${host}`]), 200, host);
    }
  });

  it('on IPv6 loopback, accepts the bracketed address', async (t) => {
    const { port } = await admin(t, { host: '::1' });
    assert.equal(await ask(port, ['GET /status HTTP/1.1', `Host: [::1]:${port}`], '', '::1'), 200);
    assert.equal(await ask(port, ['GET /status HTTP/1.1', 'Host: evil.example'], '', '::1'), 403);
  });
});

describe('admin request guard rules', () => {
  it('strips brackets, ports, a trailing dot and the IPv4-mapped prefix', () => {
    assert.equal(bareHost('[::1]:9090'), '::1');
    assert.equal(bareHost('::1'), '::1');
    assert.equal(bareHost('Example.ORG.:80'), 'example.org');
    assert.equal(bareHost('[::FFFF:127.0.0.1]'), '127.0.0.1');
  });

  it('on every interface (a container), any address and the allowed names; never another name', () => {
    for (const host of [
      '172.18.0.4:9091',
      '127.0.0.1:9090',
      '[fd00::4]:9091',
      'localhost',
      'balancer:9090',
    ]) {
      assert.equal(hostNamesAdmin(host, '0.0.0.0', ['balancer']), true, host);
    }
    for (const host of ['evil.example', 'replica:9091', '172.18.0.4.nip.io']) {
      assert.equal(hostNamesAdmin(host, '0.0.0.0', ['balancer']), false, host);
      assert.equal(hostNamesAdmin(host, '::', ['balancer']), false, host);
    }
    assert.equal(hostNamesAdmin(undefined, '127.0.0.1'), true, 'HTTP/1.0 without Host');
  });

  it('compares Origin with Host, the default port included', () => {
    assert.equal(crossSiteReason({ host: 'a:80', origin: 'http://a' }), null);
    assert.notEqual(crossSiteReason({ host: 'a:81', origin: 'http://a' }), null);
    assert.notEqual(crossSiteReason({ origin: 'http://a' }), null, 'an Origin but no Host');
    assert.equal(bodyTypeProblem({ 'content-length': '0', 'content-type': 'text/plain' }), null);
    assert.notEqual(bodyTypeProblem({ 'transfer-encoding': 'chunked' }), null);
  });
});
