import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { startReplica } from '../src/index.js';
import { TestClient, assertFetched } from './test-client.js';
import { TestOrigin, bytesOf } from './test-origin.js';
import { closedPort } from './closed-port.js';

describe('startReplica', { timeout: 20_000 }, () => {
  it('rejects with a UserError naming the URL when the default object cannot be fetched', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/index.html`;
    await assert.rejects(startReplica({ port: 0, defaultObject: url }), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.ok(error.message.includes(url), error.message);
      assert.match(error.message, /connection refused \(is the origin running\?\)/);
      return true;
    });
  });

  it('rejects a default object the origin does not have', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    await assert.rejects(
      startReplica({ port: 0, origin: origin.url, defaultObject: '/index.html' }),
      (error: unknown) => error instanceof UserError && /does not exist/.test(error.message),
    );
  });

  it('asks again for a default object the origin answered 500 for at first (no remembered error)', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const page = Buffer.from('<p>home</p>');
    origin.put('/home.html', Buffer.alloc(0), { status: 500 });
    origin.once('request', () => origin.put('/home.html', page));
    const replica = await startReplica({
      port: 0,
      origin: origin.url,
      defaultObject: '/home.html',
      negativeTtlMs: 60_000,
    });
    t.after(() => replica.close());
    assert.equal(origin.requestsFor('/home.html').length, 2, 'a 500, then the page');
  });

  it('needs an origin or a default object, and a usable origin URL', async () => {
    await assert.rejects(startReplica({ port: 0 }), UserError);
    await assert.rejects(startReplica({ port: 0, origin: 'ftp://example.test' }), UserError);
    await assert.rejects(startReplica({ port: 0, origin: 'not a url' }), UserError);
    await assert.rejects(
      startReplica({ port: 0, defaultObject: '/index.html' }),
      /path together with an origin/,
    );
  });

  it('serves the default object for a null path without an origin, and nothing else', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const page = bytesOf(8000, 2);
    origin.put('/index.html', page);
    origin.put('/other', bytesOf(10));
    const replica = await startReplica({ port: 0, defaultObject: `${origin.url}/index.html` });
    t.after(() => replica.close());
    const client = await TestClient.connect(replica.endpoint.port);
    t.after(() => client.close());

    const byDefault = await client.fetch(null);
    assertFetched(byDefault, page);
    assert.equal(byDefault.object.path, '/index.html');
    assert.equal(byDefault.object.cache, 'hit', 'fetched at start');
    assertFetched(await client.fetch('/index.html'), page);
    const other = await client.get('/other');
    assert.ok('type' in other && other.code === 'not_found');
    assert.equal(origin.requests.length, 1);
  });

  it('a replica with only an origin answers a null path with not_found', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    const replica = await startReplica({ port: 0, origin: origin.url });
    t.after(() => replica.close());
    const client = await TestClient.connect(replica.endpoint.port);
    t.after(() => client.close());
    const result = await client.get(null);
    assert.ok('type' in result && result.code === 'not_found');
  });
});
