import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHUNK_OVERHEAD_BYTES,
  ENTRY_OVERHEAD_BYTES,
  entryCostBytes,
  ownChunks,
} from '../src/cache/entry-cost.js';
import { ObjectBody } from '../src/cache/object-body.js';
import { bytesOf } from './test-origin.js';

describe('cache entry cost', () => {
  it('copies a chunk that pins a larger allocation, keeping its bytes and its place', async () => {
    const read = bytesOf(64 * 1024); // a socket read: headers, then a small body
    const body = new ObjectBody({ size: 398, etag: null, lastModified: null }, true);
    body.append(read.subarray(500, 898));
    body.finish();
    const cursor = body.openCursor();
    ownChunks(body.chunks);
    const [chunk] = body.chunks;
    assert.equal(chunk?.buffer.byteLength, 398, 'an allocation of its own size');
    assert.ok(chunk.equals(read.subarray(500, 898)));
    assert.ok((await cursor.next())?.equals(read.subarray(500, 898)), 'a reader still gets it');
    const pooled = Buffer.from(bytesOf(1000)); // small Buffers share an 8 KiB pool
    const whole = Buffer.allocUnsafeSlow(1000);
    const chunks = [pooled, whole];
    ownChunks(chunks);
    assert.equal(chunks[0]?.buffer.byteLength, 1000, 'a pooled chunk gets its own allocation');
    assert.equal(chunks[1], whole, 'a chunk using its whole allocation is kept as it is');
  });

  it('counts the bytes, the strings and the bookkeeping of each entry and chunk', () => {
    const body = new ObjectBody({ size: 300, etag: '"abc"', lastModified: null }, true);
    for (let i = 0; i < 3; i += 1) body.append(Buffer.alloc(100));
    body.finish();
    const target = { path: '/a.bin', url: 'http://o/a.bin' };
    const strings = target.path.length + target.url.length + '"abc"'.length + 64;
    assert.equal(
      entryCostBytes(target, body),
      300 + strings + ENTRY_OVERHEAD_BYTES + 2 * CHUNK_OVERHEAD_BYTES,
    );
  });
});
