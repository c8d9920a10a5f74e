import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setup } from './harness.js';
import { httpGet, rawHttp } from './http-helpers.js';
import { startReplica } from '../src/index.js';
import { TestOrigin, bytesOf, gate } from './test-origin.js';

describe('HTTP on the replica port', { timeout: 20_000 }, () => {
  it('serves GET and HEAD with length, type, etag, who served it and the cache status', async (t) => {
    const { origin, replica } = await setup(t);
    const bytes = bytesOf(300_000, 3);
    origin.put('/objects/a.bin', bytes, { etag: '"abc"' });
    origin.put('/page.html', Buffer.from('<h1>hi</h1>'));
    const port = replica.endpoint.port;

    const first = await httpGet(port, '/objects/a.bin');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, bytes);
    assert.equal(first.headers['content-length'], String(bytes.length));
    assert.equal(first.headers['content-type'], 'application/octet-stream');
    assert.equal(first.headers['etag'], '"abc"');
    assert.equal(first.headers['x-served-by'], replica.endpoint.id);
    assert.equal(first.headers['x-cache'], 'miss');

    const again = await httpGet(port, '/objects/a.bin');
    assert.equal(again.headers['x-cache'], 'hit');
    assert.deepEqual(again.body, bytes);
    assert.equal(origin.bodiesSent('/objects/a.bin'), 1, 'the cache is shared with HTTP');

    const head = await httpGet(port, '/objects/a.bin', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(bytes.length));
    assert.equal(head.body.length, 0);

    const page = await httpGet(port, '/page.html');
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  });

  it('answers Range with 206 and exactly those bytes, and 416 past the end', async (t) => {
    const { origin, replica } = await setup(t);
    const bytes = bytesOf(100_000, 4);
    origin.put('/r.bin', bytes);
    const port = replica.endpoint.port;
    const cases: [string, number, number][] = [
      ['bytes=100-199', 100, 199],
      ['bytes=99990-', 99_990, 99_999],
      ['bytes=-500', 99_500, 99_999],
      ['bytes=70000-999999', 70_000, 99_999],
    ];
    for (const [range, start, end] of cases) {
      const answer = await httpGet(port, '/r.bin', { headers: { Range: range } });
      assert.equal(answer.status, 206, range);
      assert.equal(answer.headers['content-range'], `bytes ${start}-${end}/${bytes.length}`);
      assert.deepEqual(answer.body, bytes.subarray(start, end + 1), range);
    }
    const past = await httpGet(port, '/r.bin', { headers: { Range: 'bytes=100000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers['content-range'], `bytes */${bytes.length}`);
    const several = await httpGet(port, '/r.bin', { headers: { Range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200, 'several ranges get the whole object');
    assert.equal(several.body.length, bytes.length);
  });

  it('clamps a range with a huge last byte or suffix to the satisfiable part (206, not 200)', async (t) => {
    const { origin, replica } = await setup(t);
    const bytes = bytesOf(10_000, 5);
    origin.put('/huge-range.bin', bytes);
    const huge = '9'.repeat(30);
    const cases: [string, number][] = [
      [`bytes=0-${huge}`, 0],
      [`bytes=4000-${huge}`, 4000],
      [`bytes=-${huge}`, 0],
      [`bytes=-${Number.MAX_SAFE_INTEGER + 2}`, 0],
    ];
    for (const [range, start] of cases) {
      const answer = await httpGet(replica.endpoint.port, '/huge-range.bin', {
        headers: { Range: range },
      });
      assert.equal(answer.status, 206, range);
      assert.equal(answer.headers['content-range'], `bytes ${start}-9999/10000`, range);
      assert.deepEqual(answer.body, bytes.subarray(start), range);
    }
    const past = await httpGet(replica.endpoint.port, '/huge-range.bin', {
      headers: { Range: `bytes=${huge}-` },
    });
    assert.equal(past.status, 416, 'a huge first byte is still past the end');
  });

  it('answers If-None-Match with 304, and a missing object with 404', async (t) => {
    const { origin, replica } = await setup(t);
    origin.put('/e.txt', Buffer.from('hello'), { etag: '"v1"' });
    const port = replica.endpoint.port;
    const fresh = await httpGet(port, '/e.txt', { headers: { 'If-None-Match': '"v1"' } });
    assert.equal(fresh.status, 304);
    assert.equal(fresh.body.length, 0);
    assert.equal(fresh.headers['etag'], '"v1"');
    const changed = await httpGet(port, '/e.txt', { headers: { 'If-None-Match': '"v0"' } });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.toString(), 'hello');
    const missing = await httpGet(port, '/not/there');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-served-by'], replica.endpoint.id);
  });

  it('serves the default object at "/"', async (t) => {
    const origin = await TestOrigin.start();
    t.after(() => origin.stop());
    origin.put('/home.html', Buffer.from('<p>home</p>'));
    origin.put('/', Buffer.from('the origin root'));
    const replica = await startReplica({
      origin: origin.url,
      defaultObject: '/home.html',
      port: 0,
    });
    t.after(() => replica.close());
    const root = await httpGet(replica.endpoint.port, '/');
    assert.equal(root.status, 200);
    assert.equal(root.body.toString(), '<p>home</p>');
  });

  it('keeps one connection alive for many requests', async (t) => {
    const { origin, replica, logEvents } = await setup(t);
    const paths = Array.from({ length: 12 }, (_, i) => `/k/${i}.bin`);
    paths.forEach((path, i) => origin.put(path, bytesOf(10_000 + i * 1000, i + 10)));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const sockets = new Set<unknown>();
    const answers = await Promise.all(
      paths.map((path) => httpGet(replica.endpoint.port, path, { agent })),
    );
    answers.forEach((answer, i) => {
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, bytesOf(10_000 + i * 1000, i + 10));
      sockets.add(answer.socket);
    });
    assert.equal(sockets.size, 1, 'the client used one socket');
    agent.destroy();
    const connections = (await logEvents()).filter((line) => line['event'] === 'connection');
    assert.equal(connections.length, 1, 'the replica saw one connection');
  });

  it('answers a malformed request line with 400 and closes the connection', async (t) => {
    const { replica } = await setup(t);
    const port = replica.endpoint.port;
    for (const line of ['GET /x HTTP/1.1 junk', 'GET /x HTTQ/1.1', 'GET /x']) {
      const answer = await rawHttp(port, `${line}\r\nHost: a\r\n\r\n`);
      assert.match(answer.text, /^HTTP\/1\.1 400 /, line);
      assert.equal(answer.closed, true);
    }
    const post = await rawHttp(port, 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n');
    assert.match(post.text, /^HTTP\/1\.1 405 /);
    assert.match(post.text, /\r\nAllow: GET, HEAD\r\n/i);
  });

  it('counts an HTTP transfer as load; while draining it refuses a request with 503 and closes', async (t) => {
    const { origin, replica } = await setup(t);
    const bytes = bytesOf(500_000, 7);
    const release = gate();
    origin.put('/slow.bin', bytes, { holdAfter: 100_000, release: release.promise });
    const accepted = (): Promise<unknown> => once(replica.events, 'connection');

    const busy = connect(replica.endpoint.port, '127.0.0.1');
    busy.on('error', () => undefined);
    const busyChunks: Buffer[] = [];
    busy.on('data', (chunk: Buffer) => busyChunks.push(chunk));
    const busyClosed = once(busy, 'close');
    const started = once(replica.events, 'transfer-start');
    busy.write('GET /slow.bin HTTP/1.1\r\nHost: a\r\n\r\n');
    await started;
    assert.equal(replica.loadReport().activeTransfers, 1, 'HTTP transfers count as load');

    const late = connect(replica.endpoint.port, '127.0.0.1');
    late.on('error', () => undefined);
    await accepted();
    const lateChunks: Buffer[] = [];
    late.on('data', (chunk: Buffer) => lateChunks.push(chunk));
    const drained = replica.drain();
    late.write('GET /slow.bin HTTP/1.1\r\nHost: a\r\n\r\n');
    await once(late, 'close');
    const refused = Buffer.concat(lateChunks).toString();
    assert.match(refused, /^HTTP\/1\.1 503 /, 'a request during the drain is refused');
    assert.match(refused, /\r\nConnection: close\r\n/i);

    release.open();
    await busyClosed;
    await drained;
    const all = Buffer.concat(busyChunks);
    const headEnd = all.indexOf('\r\n\r\n') + 4;
    assert.match(all.subarray(0, headEnd).toString(), /^HTTP\/1\.1 200 /);
    assert.deepEqual(all.subarray(headEnd), bytes, 'the transfer in flight finished');
  });
});
