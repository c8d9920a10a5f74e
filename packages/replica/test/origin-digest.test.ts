import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { parseReprDigest } from '@cdn-lab/common';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import { assertFetched } from './test-client.js';
import { bytesOf, sha256 } from './test-origin.js';

/** A GET whose body is read to its end, or to the point where the replica cut it. */
async function httpBody(port: number, path: string): Promise<{ complete: boolean; bytes: number }> {
  const req = request({ host: '127.0.0.1', port, path, agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let bytes = 0;
  res.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const complete = await new Promise<boolean>((resolve) => {
    res.once('end', () => resolve(res.complete));
    res.once('error', () => resolve(false));
    res.once('aborted', () => resolve(false));
  });
  return { complete, bytes };
}

describe("the origin's digest (Repr-Digest)", { timeout: 20_000 }, () => {
  it('is checked before an object is complete: bytes that do not match it are neither served whole nor cached', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(300_000, 1);
    origin.put('/torn.bin', bytes, { digest: sha256(bytesOf(300_000, 2)) });
    const c = await client();
    await assert.rejects(
      c.get('/torn.bin'),
      /connection closed/,
      'no end frame, the connection is cut',
    );
    const http = await httpBody(replica.endpoint.port, '/torn.bin');
    assert.equal(http.complete, false, 'the HTTP body is cut short of its Content-Length');
    assert.ok(http.bytes < bytes.length, `${http.bytes} of ${bytes.length} bytes`);
    assert.equal(replica.status().cache.objects, 0, 'nothing cached');
    assert.equal(origin.bodiesSent('/torn.bin'), 2, 'each request asked the origin again');
  });

  it('reaches clients: native object and end frames carry it, HTTP answers send it', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(200_000, 3);
    const digest = sha256(bytes);
    origin.put('/signed.bin', bytes, { digest: true });
    const c = await client();
    const miss = await c.fetch('/signed.bin');
    assertFetched(miss, bytes);
    assert.equal(miss.object.cache, 'miss');
    assert.equal(miss.object.originSha256, digest);
    assert.equal(miss.object.sha256, digest, 'known on a miss already, so older clients check it');
    assert.equal(miss.end.originSha256, digest);
    const hit = await c.fetch('/signed.bin');
    assert.equal(hit.object.cache, 'hit');
    assert.equal(hit.object.originSha256, digest);
    const http = await httpGet(replica.endpoint.port, '/signed.bin');
    assert.equal(parseReprDigest(http.headers['repr-digest']), digest);
    const range = await httpGet(replica.endpoint.port, '/signed.bin', {
      headers: { Range: 'bytes=0-9' },
    });
    assert.equal(range.status, 206);
    assert.equal(parseReprDigest(range.headers['repr-digest']), digest, "the whole object's");
  });

  it("is sent by HTTP answers as the replica's own digest once an object without one is cached", async (t) => {
    const { origin, replica } = await setup(t);
    const bytes = bytesOf(10_000, 4);
    origin.put('/plain.bin', bytes);
    await httpGet(replica.endpoint.port, '/plain.bin');
    const hit = await httpGet(replica.endpoint.port, '/plain.bin');
    assert.equal(hit.headers['x-cache'], 'hit');
    assert.equal(parseReprDigest(hit.headers['repr-digest']), sha256(bytes));
  });

  it('overrules a 304 for the same ETag when it names other content', async (t) => {
    const { origin, client } = await setup(t, { ttlMs: 0 });
    const first = bytesOf(50_000, 5);
    const second = bytesOf(50_000, 6);
    // An origin whose ETag is size + mtime: both versions get the same one.
    origin.put('/same-etag.bin', first, { etag: '"c350-18d"', digest: true });
    const c = await client();
    assertFetched(await c.fetch('/same-etag.bin'), first);
    origin.put('/same-etag.bin', second, { etag: '"c350-18d"', digest: true });
    const again = await c.fetch('/same-etag.bin');
    assertFetched(again, second);
    assert.equal(again.object.cache, 'miss', 'not "revalidated" with the old bytes');
  });
});
