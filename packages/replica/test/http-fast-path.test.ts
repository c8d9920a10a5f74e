import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './harness.js';
import { RawHttpConnection, httpGet, type RawAnswer } from './http-helpers.js';
import { bytesOf } from './test-origin.js';

const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

/** One plain keep-alive GET on a connection of its own (Node's client without an agent says close). */
async function plainGet(port: number, path: string): Promise<RawAnswer> {
  const connection = await RawHttpConnection.open(port);
  try {
    connection.send(get(path));
    return await connection.next();
  } finally {
    connection.close();
  }
}

/** The answer with its Date and Age values blanked: two answers a second apart may differ only there. */
function withoutDate(bytes: Buffer): string {
  return bytes
    .toString('latin1')
    .replace(/\r\nAge: \d+\r\nDate: [^\r]*\r\n/, '\r\nAge: -\r\nDate: -\r\n');
}

describe('the HTTP fast path for whole cached objects', { timeout: 30_000 }, () => {
  for (const size of [10_000, 300_000]) {
    it(`gives the same bytes and headers as the general path (${size} bytes)`, async (t) => {
      const { origin, replica } = await setup(t);
      origin.put('/same.bin', bytesOf(size, 7), { etag: '"v1"', digest: true });
      await httpGet(replica.endpoint.port, '/same.bin'); // cached now
      const before = replica.status().http.fastAnswers;

      const fast = await RawHttpConnection.open(replica.endpoint.port);
      t.after(() => fast.close());
      fast.send(get('/same.bin'));
      const fastAnswer = await fast.next();
      assert.equal(replica.status().http.fastAnswers, before + 1, 'answered on the fast path');

      // A HEAD sends the connection to Node's parser for good; its GET takes the general path.
      const general = await RawHttpConnection.open(replica.endpoint.port);
      t.after(() => general.close());
      general.send(`HEAD /same.bin HTTP/1.1\r\nHost: t\r\n\r\n${get('/same.bin')}`);
      await general.next(false);
      const generalAnswer = await general.next();
      assert.equal(replica.status().http.fastAnswers, before + 1, 'answered on the general path');

      assert.match(fastAnswer.head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(fastAnswer.head, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
      assert.equal(withoutDate(fastAnswer.bytes), withoutDate(generalAnswer.bytes));
      assert.deepEqual(fastAnswer.body, bytesOf(size, 7));
    });
  }

  it('answers pipelined GETs in order, and hands a connection to Node at its first unusual request', async (t) => {
    const { origin, replica } = await setup(t);
    const a = bytesOf(5_000, 1);
    const b = bytesOf(70_000, 2);
    origin.put('/a.bin', a, { etag: '"a"' });
    origin.put('/b.bin', b, { etag: '"b"' });
    await httpGet(replica.endpoint.port, '/a.bin');
    await httpGet(replica.endpoint.port, '/b.bin');
    const before = replica.status().http.fastAnswers;
    const connection = await RawHttpConnection.open(replica.endpoint.port);
    t.after(() => connection.close());
    connection.send(
      get('/a.bin') +
        get('/b.bin') +
        get('/a.bin') +
        get('/b.bin', 'Range: bytes=10-19\r\n') +
        get('/a.bin', 'If-None-Match: "a"\r\n') +
        get('/b.bin'),
    );
    assert.deepEqual((await connection.next()).body, a);
    assert.deepEqual((await connection.next()).body, b);
    assert.deepEqual((await connection.next()).body, a);
    const ranged = await connection.next();
    assert.match(ranged.head, /^HTTP\/1\.1 206 /);
    assert.match(ranged.head, /\r\nContent-Range: bytes 10-19\/70000\r\n/);
    assert.deepEqual(ranged.body, b.subarray(10, 20));
    assert.match((await connection.next(false)).head, /^HTTP\/1\.1 304 /);
    assert.deepEqual((await connection.next()).body, b);
    assert.equal(replica.status().http.fastAnswers, before + 3, 'the three before the Range');
  });

  it('leaves misses, faults and requests Node must judge to the general path', async (t) => {
    const { origin, replica } = await setup(t);
    origin.put('/c.bin', bytesOf(2_000, 3));
    const port = replica.endpoint.port;
    const miss = await httpGet(port, '/c.bin');
    assert.equal(miss.headers['x-cache'], 'miss');
    const before = replica.status().http.fastAnswers;

    replica.faults.merge({ errorRate: 1 });
    assert.equal((await httpGet(port, '/c.bin')).status, 500, 'the injected error applies');
    replica.faults.clear();

    const noHost = await RawHttpConnection.open(port);
    t.after(() => noHost.close());
    noHost.send('GET /c.bin HTTP/1.1\r\n\r\n');
    assert.match((await noHost.next()).head, /^HTTP\/1\.1 400 /, "Node's answer to a missing Host");

    const closing = await RawHttpConnection.open(port);
    closing.send(get('/c.bin', 'Connection: close\r\n'));
    const last = await closing.next();
    assert.match(last.head, /\r\nConnection: close$/m);
    await closing.closed;
    assert.equal(replica.status().http.fastAnswers, before, 'none of these took the fast path');

    assert.match((await plainGet(port, '/c.bin')).head, /\r\nX-Cache: hit\r\n/);
    assert.equal(replica.status().http.fastAnswers, before + 1, 'a plain GET takes it again');
  });

  it("answers a child cache's GET (with a Via) at once, and still refuses a loop with 508", async (t) => {
    const { origin, replica } = await setup(t);
    origin.put('/v.bin', bytesOf(3_000, 8));
    await httpGet(replica.endpoint.port, '/v.bin');
    const before = replica.status().http.fastAnswers;
    const connection = await RawHttpConnection.open(replica.endpoint.port);
    t.after(() => connection.close());
    connection.send(
      get('/v.bin', 'Via: 1.1 127.0.1.1:9000\r\n') +
        get('/v.bin', `Via: 1.1 127.0.1.1:9000, 1.1 ${replica.endpoint.id}\r\n`),
    );
    const hit = await connection.next();
    assert.match(hit.head, /\r\nX-Cache: hit\r\n/);
    assert.deepEqual(hit.body, bytesOf(3_000, 8));
    const looped = await connection.next();
    assert.match(looped.head, /^HTTP\/1\.1 508 /);
    assert.match(looped.body.toString(), /passed through .* already/);
    assert.equal(replica.status().http.fastAnswers, before + 1, 'the first on the fast path');
  });

  it('counts fast answers like any other: hits, bytes sent, transfers ok, events', async (t) => {
    const { origin, replica } = await setup(t, { admin: { host: '127.0.0.1', port: 0 } });
    const body = bytesOf(4_000, 4);
    origin.put('/d.bin', body);
    const port = replica.endpoint.port;
    await httpGet(port, '/d.bin');
    const ends: unknown[] = [];
    replica.events.on('transfer-end', (event) => ends.push(event));
    const before = replica.status();
    for (let index = 0; index < 3; index += 1) await plainGet(port, '/d.bin');
    const after = replica.status();
    assert.equal(after.http.fastAnswers - before.http.fastAnswers, 3);
    assert.equal(after.cache.hits - before.cache.hits, 3);
    assert.equal((after.load.transfersOk ?? 0) - (before.load.transfersOk ?? 0), 3);
    assert.equal(ends.length, 3);
    const metrics = await (await fetch(`${replica.admin?.url ?? ''}metrics`)).text();
    const sent = /^cdn_replica_bytes_sent_total\{tier="edge"\} (\d+)$/m.exec(metrics);
    assert.equal(Number(sent?.[1]), 4 * body.length, 'every byte of every answer counted');
    assert.match(metrics, /^cdn_replica_http_fast_answers_total\{tier="edge"\} 3$/m);
  });

  it('ends its keep-alive connections on drain, after their answers', async (t) => {
    const { origin, replica } = await setup(t);
    origin.put('/e.bin', bytesOf(1_000, 5));
    await httpGet(replica.endpoint.port, '/e.bin');
    const connection = await RawHttpConnection.open(replica.endpoint.port);
    t.after(() => connection.close());
    connection.send(get('/e.bin'));
    assert.deepEqual((await connection.next()).body, bytesOf(1_000, 5));
    await replica.drain();
    await connection.closed;
  });

  it('closes a keep-alive connection left idle past the keep-alive timeout', async (t) => {
    const { origin, replica } = await setup(t);
    origin.put('/f.bin', bytesOf(100, 6));
    await httpGet(replica.endpoint.port, '/f.bin');
    const connection = await RawHttpConnection.open(replica.endpoint.port);
    t.after(() => connection.close());
    connection.send(get('/f.bin'));
    await connection.next();
    const idleSince = Date.now();
    await connection.closed;
    assert.ok(Date.now() - idleSince >= 4_000, 'not before the 5 s keep-alive timeout');
  });
});
