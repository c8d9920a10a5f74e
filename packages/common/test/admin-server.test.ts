import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HttpError,
  UserError,
  adminTokenRequired,
  bearerMatches,
  checkAdminTokenSetting,
  isLoopbackHost,
  openEventLog,
  readJsonObject,
  sendJson,
  startAdminServer,
} from '../src/index.js';

describe('admin token rule', () => {
  it('needs a token on every address but loopback', () => {
    for (const host of [
      '127.0.0.1',
      '127.0.1.3',
      '::1',
      '[::1]',
      'localhost',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(adminTokenRequired(host), false, host);
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['0.0.0.0', '::', '192.0.2.2', '10.1.2.3', 'example.org']) {
      assert.equal(adminTokenRequired(host), true, host);
    }
  });

  it('refuses a non-loopback admin address without a token', () => {
    assert.throws(() => checkAdminTokenSetting('0.0.0.0', undefined), UserError);
    assert.throws(() => checkAdminTokenSetting('0.0.0.0', ''), UserError);
    checkAdminTokenSetting('0.0.0.0', 's3cret');
    checkAdminTokenSetting('127.0.0.1', undefined);
  });

  it('accepts only the exact bearer token', () => {
    assert.equal(bearerMatches('Bearer s3cret', 's3cret'), true);
    assert.equal(bearerMatches('bearer s3cret', 's3cret'), true);
    assert.equal(bearerMatches('Bearer s3cre', 's3cret'), false);
    assert.equal(bearerMatches(undefined, 's3cret'), false);
    assert.equal(bearerMatches('Basic s3cret', 's3cret'), false);
  });

  it('a non-loopback admin server does not start without a token', async () => {
    await assert.rejects(
      startAdminServer({
        host: '0.0.0.0',
        port: 0,
        routes: [],
        log: openEventLog('test', undefined).log,
        what: 'test admin',
      }),
      UserError,
    );
  });
});

const JSON_BODY = { 'Content-Type': 'application/json' };

describe('admin server', () => {
  async function server(token?: string) {
    return startAdminServer({
      host: '127.0.0.1',
      port: 0,
      token,
      log: openEventLog('test', undefined).log,
      what: 'test admin',
      routes: [
        { method: 'GET', path: '/status', handle: (_req, res) => sendJson(res, 200, { ok: true }) },
        {
          method: 'POST',
          path: /^\/things\/([^/]+)$/,
          handle: async (req, res, [id]) => {
            const body = await readJsonObject(req);
            if (body['bad']) throw new HttpError(400, 'bad thing');
            sendJson(res, 200, { id, body });
          },
        },
      ],
    });
  }

  it('routes, decodes ids, answers JSON errors with 400/404/405', async (t) => {
    const admin = await server();
    t.after(() => admin.close());
    const status = await fetch(`${admin.url}status`);
    assert.equal(status.status, 200);
    assert.match(status.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await status.json(), { ok: true });
    const post = await fetch(`${admin.url}things/${encodeURIComponent('127.0.1.1:9000')}`, {
      method: 'POST',
      headers: JSON_BODY,
      body: '{"a":1}',
    });
    assert.deepEqual(await post.json(), { id: '127.0.1.1:9000', body: { a: 1 } });
    const bad = await fetch(`${admin.url}things/x`, {
      method: 'POST',
      headers: JSON_BODY,
      body: '{"bad":true}',
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'bad thing' });
    const notJson = await fetch(`${admin.url}things/x`, {
      method: 'POST',
      headers: JSON_BODY,
      body: 'nope',
    });
    assert.equal(notJson.status, 400);
    const missing = await fetch(`${admin.url}nothing`);
    assert.equal(missing.status, 404);
    assert.equal(typeof ((await missing.json()) as { error: unknown }).error, 'string');
    const wrongMethod = await fetch(`${admin.url}status`, { method: 'DELETE' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET');
  });

  it('enforces a configured token on loopback too; reads need none', async (t) => {
    const admin = await server('s3cret');
    t.after(() => admin.close());
    const withToken = await fetch(`${admin.url}things/a`, {
      method: 'POST',
      headers: { Authorization: 'Bearer s3cret' },
    });
    assert.equal(withToken.status, 200);
    const without = await fetch(`${admin.url}things/a`, { method: 'POST' });
    assert.equal(without.status, 401);
    assert.equal((await fetch(`${admin.url}status`)).status, 200);
  });
});
