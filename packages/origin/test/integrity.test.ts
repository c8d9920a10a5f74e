import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open, stat, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseReprDigest } from '@cdn-lab/common';
import { startOrigin, writeDemoSite } from '../src/index.js';
import { DeterministicBytes } from '../src/demo/byte-generator.js';
import { fetchHttp, rawGet, tempDir } from './helpers.js';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function bytesOf(size: number, seed: string): Buffer {
  const bytes = Buffer.alloc(size);
  new DeterministicBytes(seed).fill(bytes);
  return bytes;
}

test('sends Repr-Digest (sha-256 of the bytes) and a strong ETag on GET, HEAD and 304', async (t) => {
  const root = await tempDir();
  const content = bytesOf(100_000, 'digest');
  await writeFile(join(root, 'a.bin'), content);
  const origin = await startOrigin({ root, port: 0 });
  t.after(() => origin.close());

  const got = await fetchHttp(`${origin.url}/a.bin`);
  assert.equal(parseReprDigest(got.headers['repr-digest']), sha256(content));
  assert.match(got.headers.etag ?? '', /^"[0-9a-f]{32}"$/);
  const head = await rawGet(origin.port, '/a.bin', 'HEAD');
  assert.match(head.head, new RegExp(`\\r\\nRepr-Digest: ${got.headers['repr-digest']}\\r\\n`));
  const notModified = await fetchHttp(`${origin.url}/a.bin`, {
    headers: { 'If-None-Match': got.headers.etag ?? '' },
  });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers['repr-digest'], got.headers['repr-digest']);
});

test('two contents of the same size and modification time get different ETags', async (t) => {
  const root = await tempDir();
  const file = join(root, 'same.bin');
  const first = bytesOf(50_000, 'first');
  const second = bytesOf(50_000, 'second');
  const mtime = new Date('2024-01-02T03:04:05Z');
  await writeFile(file, first);
  await utimes(file, mtime, mtime);
  const origin = await startOrigin({ root, port: 0 });
  t.after(() => origin.close());
  const before = await fetchHttp(`${origin.url}/same.bin`);

  await writeFile(file, second);
  await utimes(file, mtime, mtime);
  assert.equal((await stat(file)).mtimeMs, mtime.getTime(), 'the same size and mtime as before');
  const after = await fetchHttp(`${origin.url}/same.bin`, {
    headers: { 'If-None-Match': before.headers.etag ?? '' },
  });
  assert.equal(after.status, 200, 'the old ETag does not revalidate the new content');
  assert.notEqual(after.headers.etag, before.headers.etag);
  assert.ok(after.body.equals(second));
  assert.equal(parseReprDigest(after.headers['repr-digest']), sha256(second));
});

/** GETs `path`, holds the body back until `meanwhile` has run, then reads it all. */
async function readAfter(
  url: string,
  meanwhile: () => Promise<void>,
): Promise<{ body: Buffer; complete: boolean; announced: string | null }> {
  const req = httpRequest(url, { agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  res.pause();
  await meanwhile();
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.resume();
  const complete = await new Promise<boolean>((resolve) => {
    res.once('end', () => resolve(res.complete));
    res.once('error', () => resolve(false));
    res.once('aborted', () => resolve(false));
  });
  return {
    body: Buffer.concat(chunks),
    complete,
    announced: parseReprDigest(res.headers['repr-digest']),
  };
}

test('cuts a response whose file is overwritten in place while it streams', async (t) => {
  const root = await tempDir();
  const file = join(root, 'torn.bin');
  const size = 32 * 1024 * 1024;
  const old = bytesOf(size, 'old');
  const fresh = bytesOf(size, 'new');
  await writeFile(file, old);
  const origin = await startOrigin({ root, port: 0 });
  t.after(() => origin.close());

  const reply = await readAfter(`${origin.url}/torn.bin`, async () => {
    // While the client is not reading, the origin has sent only what the socket buffers hold.
    const handle = await open(file, 'r+');
    await handle.write(fresh, 0, size, 0);
    await handle.close();
  });
  const digest = sha256(reply.body);
  assert.ok(
    digest !== sha256(old) && digest !== sha256(fresh),
    'the bytes read are a mix of both versions (the finding)',
  );
  assert.equal(reply.complete, false, 'and the response was cut, not completed');
  assert.ok(reply.body.length < size, `${reply.body.length} of ${size} bytes arrived`);

  const again = await fetchHttp(`${origin.url}/torn.bin`);
  assert.ok(again.body.equals(fresh), 'the next request gets the new version whole');
  assert.equal(parseReprDigest(again.headers['repr-digest']), sha256(fresh));
});

test('the demo site: Repr-Digest is the manifest sha256; a demo file changed since gets its own', async (t) => {
  const root = await tempDir();
  const { manifest } = await writeDemoSite(root, { maxObjectBytes: 100 * 1024 });
  const origin = await startOrigin({ root, port: 0 });
  t.after(() => origin.close());
  for (const entry of manifest.objects) {
    const got = await fetchHttp(`${origin.url}${entry.path}`);
    assert.equal(parseReprDigest(got.headers['repr-digest']), entry.sha256, entry.path);
  }
  const entry = manifest.objects.find((object) => object.path.endsWith('.bin'));
  assert.ok(entry);
  const changed = bytesOf(entry.size, 'changed after the manifest');
  await writeFile(join(root, ...entry.path.split('/')), changed);
  const got = await fetchHttp(`${origin.url}${entry.path}`);
  assert.ok(got.body.equals(changed));
  assert.equal(parseReprDigest(got.headers['repr-digest']), sha256(changed));
});
