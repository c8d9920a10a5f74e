import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '@cdn-lab/protocol';
import { INJECTED_ERROR } from '../src/index.js';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import type { TestClient } from './test-client.js';
import { bytesOf } from './test-origin.js';

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const answer = await fetch(`${url}faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: answer.status, json: await answer.json() };
}

async function heal(url: string): Promise<unknown> {
  return (await fetch(`${url}faults`, { method: 'DELETE' })).json();
}

async function timedFetch(client: TestClient, path: string): Promise<number> {
  const started = performance.now();
  await client.fetch(path);
  return performance.now() - started;
}

describe('fault injection', { timeout: 30_000 }, () => {
  it('POST /faults merges and names them in pongs; bad input is a 400; DELETE heals', async (t) => {
    const { replica, client } = await setup(t, { admin: { port: 0 }, defaultObject: null });
    const url = replica.admin?.url ?? '';
    assert.deepEqual((await post(url, { delayMs: 10 })).json, { delayMs: 10 });
    assert.deepEqual((await post(url, { errorRate: 0.5 })).json, { delayMs: 10, errorRate: 0.5 });
    const c = await client();
    assert.deepEqual((await c.ping()).load.faults, ['delayMs', 'errorRate']);
    const tooHigh = await post(url, { errorRate: 2 });
    assert.equal(tooHigh.status, 400);
    assert.match((tooHigh.json as { error: string }).error, /errorRate/);
    assert.equal((await post(url, { nope: 1 })).status, 400);
    assert.deepEqual((await post(url, { delayMs: 0 })).json, { errorRate: 0.5 }, '0 turns one off');
    assert.deepEqual(await heal(url), {});
    assert.equal((await c.ping(2)).load.faults, undefined, 'no faults: none named');
    const status = (await (await fetch(`${url}status`)).json()) as { faults: unknown };
    assert.deepEqual(status.faults, {});
  });

  it('with a token on loopback, faults need it; a cross-site page cannot set errorRate', async (t) => {
    const { replica, client } = await setup(t, { admin: { port: 0, token: 'S3CRET' } });
    const url = replica.admin?.url ?? '';
    const tries: { headers: Record<string, string>; status: number }[] = [
      { headers: { 'Content-Type': 'application/json' }, status: 401 },
      {
        headers: {
          'Content-Type': 'text/plain',
          Origin: 'http://evil.example',
          Authorization: 'Bearer S3CRET',
        },
        status: 403,
      },
      { headers: { 'Content-Type': 'text/plain', Authorization: 'Bearer S3CRET' }, status: 415 },
    ];
    for (const { headers, status } of tries) {
      const answer = await fetch(`${url}faults`, {
        method: 'POST',
        headers,
        body: '{"errorRate":1}',
      });
      assert.equal(answer.status, status, JSON.stringify(headers));
    }
    assert.equal((await fetch(`${url}faults`, { method: 'DELETE' })).status, 401);
    assert.equal((await (await client()).ping()).load.faults, undefined, 'no fault was set');
  });

  it('delayMs raises the latency of a request by at least the delay', async (t) => {
    const { origin, replica, client } = await setup(t, { admin: { port: 0 } });
    origin.put('/a', bytesOf(2000));
    const c = await client();
    await c.fetch('/a'); // cached from now on
    const baseline = Math.min(await timedFetch(c, '/a'), await timedFetch(c, '/a'));
    const delayMs = 150;
    await post(replica.admin?.url ?? '', { delayMs });
    const delayed = await timedFetch(c, '/a');
    assert.ok(delayed >= delayMs - 1, `delayed ${delayed} ms`);
    assert.ok(
      delayed - baseline >= delayMs * 0.9,
      `baseline ${baseline} ms, delayed ${delayed} ms`,
    );
    await heal(replica.admin?.url ?? '');
    assert.ok((await timedFetch(c, '/a')) < delayMs, 'healed: fast again');
  });

  it('errorRate 1 fails every request: native error "internal", HTTP 500', async (t) => {
    const { origin, replica, client } = await setup(t, { faults: { errorRate: 1 } });
    origin.put('/a', bytesOf(100));
    const c = await client();
    for (let i = 0; i < 3; i += 1) {
      const answer = await c.get('/a');
      assert.ok('type' in answer && answer.type === 'error');
      assert.equal(answer.code, 'internal');
      assert.equal(answer.message, INJECTED_ERROR);
      const http = await httpGet(replica.endpoint.port, '/a');
      assert.equal(http.status, 500);
    }
    replica.faults.clear();
    await c.fetch('/a');
    assert.equal((await httpGet(replica.endpoint.port, '/a')).status, 200);
  });

  it('resetRate 1 cuts every transfer partway: the client sees a short transfer', async (t) => {
    const { origin, client } = await setup(t, { faults: { resetRate: 1 } });
    const bytes = bytesOf(300_000);
    origin.put('/big', bytes);
    for (let i = 0; i < 2; i += 1) {
      const c = await client();
      let received = 0;
      let size = -1;
      const seen: Message['type'][] = [];
      c.on('message', (message: Message) => {
        seen.push(message.type);
        if (message.type === 'object') size = message.size;
        if (message.type === 'data') received += message.bytes.length;
      });
      await assert.rejects(c.get('/big'), /connection closed/);
      assert.equal(size, bytes.length);
      assert.ok(received < bytes.length, `received ${received} of ${bytes.length}`);
      assert.ok(!seen.includes('end'));
    }
  });

  it('probeLoss 1 leaves pings unanswered while requests are still served', async (t) => {
    const { origin, replica, client } = await setup(t, { faults: { probeLoss: 1 } });
    origin.put('/a', bytesOf(100));
    const c = await client();
    c.send({ type: 'ping', seq: 1 });
    const answer = await c.fetch('/a'); // the first frame back is the object, not a pong
    assert.equal(answer.object.path, '/a');
    replica.faults.clear();
    assert.equal((await c.ping(2)).seq, 2);
  });

  it('bandwidthKBps caps the send rate of a transfer', async (t) => {
    const { origin, client } = await setup(t, { faults: { bandwidthKBps: 100 } });
    const bytes = bytesOf(60 * 1024);
    origin.put('/a', bytes);
    const c = await client();
    const ms = await timedFetch(c, '/a');
    // 60 KiB at 100 KiB/s: about 600 ms (the first slice goes out at once).
    assert.ok(ms >= 450, `took ${ms} ms`);
  });
});
