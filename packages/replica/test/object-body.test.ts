import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectBody, type BodyCursor } from '../src/cache/object-body.js';
import { LruCache } from '../src/cache/lru-cache.js';
import { bytesOf, sha256 } from './test-origin.js';

async function readAll(cursor: BodyCursor): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let piece = await cursor.next(); piece; piece = await cursor.next()) parts.push(piece);
  return Buffer.concat(parts);
}

function meta(size: number | null): { size: number | null; etag: null; lastModified: null } {
  return { size, etag: null, lastModified: null };
}

describe('object body', () => {
  it('gives every reader each chunk exactly once while it grows, from any offset', async () => {
    const bytes = bytesOf(10_000);
    const body = new ObjectBody(meta(bytes.length), true);
    const readers = [0, 1, 2999, 3000, 9999, 10_000].map((offset) => {
      const cursor = body.openCursor();
      cursor.seek(offset);
      return { offset, done: readAll(cursor) };
    });
    for (let at = 0; at < bytes.length; at += 3000) {
      body.append(bytes.subarray(at, at + 3000));
      await new Promise((resolve) => setImmediate(resolve));
    }
    body.finish();
    for (const reader of readers) {
      assert.ok(
        (await reader.done).equals(bytes.subarray(reader.offset)),
        `offset ${reader.offset}`,
      );
    }
    assert.equal(body.sha256, sha256(bytes));
  });

  it('fails readers when the origin sends fewer bytes than announced', async () => {
    const body = new ObjectBody(meta(100), true);
    const done = readAll(body.openCursor());
    body.append(Buffer.alloc(40));
    body.finish();
    await assert.rejects(done, /40 of 100/);
  });

  it('a pass-through body frees the chunks its readers have passed', async () => {
    const body = new ObjectBody(meta(300), false);
    const cursor = body.openCursor();
    for (let i = 0; i < 3; i += 1) body.append(Buffer.alloc(100, i));
    assert.equal((await cursor.next())?.[0], 0);
    assert.equal((await cursor.next())?.[0], 1);
    assert.equal(body.chunks[0]?.length, 0, 'chunk 0 was released');
    assert.equal(body.hasReleased, true);
    assert.throws(() => body.openCursor(), /cannot be read from the start/);
    cursor.close();
    assert.match(String(body.failure?.message), /every reader/, 'nobody left: the fill stops');
  });
});

describe('LRU cache', () => {
  it('evicts least recently used entries and refuses an entry bigger than its capacity', () => {
    const evicted: string[] = [];
    const cache = new LruCache(250, (entry) => evicted.push(entry.url));
    const entry = (url: string, size: number) => ({
      url,
      path: url,
      size,
      cost: size,
      originRetryAt: 0,
      body: new ObjectBody(meta(size), true),
    });
    assert.equal(cache.set(entry('a', 100)), true);
    assert.equal(cache.set(entry('b', 100)), true);
    cache.get('a');
    assert.equal(cache.set(entry('c', 100)), true);
    assert.deepEqual(evicted, ['b']);
    assert.equal(cache.totalBytes, 200);
    assert.equal(cache.set(entry('huge', 251)), false);
    assert.equal(cache.count, 2);
  });
});
