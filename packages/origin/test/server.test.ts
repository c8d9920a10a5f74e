import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { startOrigin, type OriginHandle, type OriginRequestEvent } from '../src/index.js';
import { DeterministicBytes } from '../src/demo/byte-generator.js';
import { fetchHttp, rawGet, tempDir } from './helpers.js';

async function originWith(
  files: Record<string, Buffer | string>,
): Promise<{ origin: OriginHandle; root: string }> {
  const root = await tempDir();
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), content);
  }
  const origin = await startOrigin({ root, port: 0 });
  return { origin, root };
}

function bigBuffer(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  new DeterministicBytes('server test').fill(bytes);
  return bytes;
}

test('GET returns the bytes with Content-Length, Content-Type and an ETag', async (t) => {
  const { origin } = await originWith({
    'hello.txt': 'hello, cdn\n',
    'data.bin': Buffer.from([0, 1, 2, 255]),
  });
  t.after(() => origin.close());

  const text = await fetchHttp(`${origin.url}/hello.txt`);
  assert.equal(text.status, 200);
  assert.equal(text.body.toString(), 'hello, cdn\n');
  assert.equal(text.headers['content-length'], '11');
  assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8');
  assert.match(text.headers.etag ?? '', /^"[^"]+"$/, 'a strong ETag');

  const binary = await fetchHttp(`${origin.url}/data.bin`);
  assert.deepEqual([...binary.body], [0, 1, 2, 255]);
  assert.equal(binary.headers['content-type'], 'application/octet-stream');
  assert.notEqual(binary.headers.etag, text.headers.etag);
});

test('If-None-Match with the current ETag gives 304 and no body; a changed file gives 200', async (t) => {
  const { origin, root } = await originWith({ 'page.html': '<p>one</p>' });
  t.after(() => origin.close());
  const first = await fetchHttp(`${origin.url}/page.html`);
  const etag = first.headers.etag ?? '';

  const reply = await fetchHttp(`${origin.url}/page.html`, { headers: { 'If-None-Match': etag } });
  assert.equal(reply.status, 304);
  assert.equal(reply.body.length, 0);
  assert.equal(reply.headers.etag, etag);

  await writeFile(join(root, 'page.html'), '<p>two, longer</p>');
  const changed = await fetchHttp(`${origin.url}/page.html`, {
    headers: { 'If-None-Match': etag },
  });
  assert.equal(changed.status, 200);
  assert.equal(changed.body.toString(), '<p>two, longer</p>');
  assert.notEqual(changed.headers.etag, etag);
});

test('HEAD sends the headers of GET and no body', async (t) => {
  const { origin } = await originWith({ 'obj.bin': bigBuffer(5000) });
  t.after(() => origin.close());
  const head = await rawGet(origin.port, '/obj.bin', 'HEAD');
  assert.equal(head.status, 200);
  assert.match(head.head, /\r\nContent-Length: 5000\r\n/i);
  assert.match(head.head, /\r\nETag: "/i);
  assert.equal(head.body.length, 0, 'nothing after the headers');
});

test('missing files are 404, other methods 405, a directory serves its index.html', async (t) => {
  const { origin } = await originWith({
    'index.html': 'home',
    'docs/index.html': 'docs home',
    'empty/a.txt': 'a',
  });
  t.after(() => origin.close());
  assert.equal((await fetchHttp(`${origin.url}/nope.bin`)).status, 404);
  assert.equal(
    (await fetchHttp(`${origin.url}/empty/`)).status,
    404,
    'a directory without index.html',
  );

  const post = await fetchHttp(`${origin.url}/index.html`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  assert.equal((await fetchHttp(`${origin.url}/index.html`, { method: 'DELETE' })).status, 405);

  assert.equal((await fetchHttp(`${origin.url}/`)).body.toString(), 'home');
  assert.equal((await fetchHttp(`${origin.url}/docs/`)).body.toString(), 'docs home');
  assert.equal((await fetchHttp(`${origin.url}/docs`)).body.toString(), 'docs home');
  assert.equal((await fetchHttp(`${origin.url}/docs/index.html?v=1`)).body.toString(), 'docs home');
});

test('every request is counted and reported as an event', async (t) => {
  const { origin } = await originWith({ 'a.txt': 'a' });
  t.after(() => origin.close());
  const seen: OriginRequestEvent[] = [];
  origin.events.on('request', (event) => seen.push(event));
  const next = once(origin.events, 'request');
  await fetchHttp(`${origin.url}/a.txt`);
  await next;
  const second = once(origin.events, 'request');
  await fetchHttp(`${origin.url}/missing`);
  await second;
  assert.equal(origin.requests, 2);
  assert.deepEqual(seen, [
    { method: 'GET', path: '/a.txt', status: 200 },
    { method: 'GET', path: '/missing', status: 404 },
  ]);
});

test('an 8 MiB file arrives whole and unchanged', async (t) => {
  const content = bigBuffer(8 * 1024 * 1024);
  const { origin } = await originWith({ 'big.bin': content });
  t.after(() => origin.close());
  const reply = await fetchHttp(`${origin.url}/big.bin`);
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-length'], String(content.length));
  assert.ok(reply.body.equals(content));
});

for (const keepAlive of [false, true]) {
  test(`close() lets an in-flight download finish (keep-alive ${keepAlive}) and refuses new connections`, async (t) => {
    const content = bigBuffer(8 * 1024 * 1024);
    const { origin } = await originWith({ 'big.bin': content });
    t.after(() => origin.close());
    const agent = new Agent({ keepAlive });
    t.after(() => agent.destroy());

    const req = httpRequest(`${origin.url}/big.bin`, { agent });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.pause();
    const closed = origin.close();
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.resume();
    await once(res, 'end');
    await closed;
    assert.ok(Buffer.concat(chunks).equals(content));
    await assert.rejects(fetchHttp(`${origin.url}/big.bin`), { code: 'ECONNREFUSED' });
  });
}

test('a root that is missing or not a directory is a clear UserError', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'file.txt'), 'x');
  await assert.rejects(startOrigin({ root: join(dir, 'nope') }), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.equal(error.message, `root ${join(dir, 'nope')} does not exist`);
    return true;
  });
  await assert.rejects(startOrigin({ root: join(dir, 'file.txt') }), /is not a directory/);
});
