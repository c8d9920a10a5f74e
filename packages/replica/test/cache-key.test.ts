import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setup } from './harness.js';
import { httpGet } from './http-helpers.js';
import { assertFetched } from './test-client.js';
import { bytesOf } from './test-origin.js';

describe('cache key', { timeout: 20_000 }, () => {
  it('makes every spelling of a path one cache entry and one origin fetch', async (t) => {
    const { origin, replica, client } = await setup(t);
    const bytes = bytesOf(1024);
    origin.put('/objects/1k.bin', bytes);
    const c = await client();
    const spellings = ['/objects/1k.bin', '/objects/%31k.bin', '/objects/1%6B.bin'];
    spellings.push('/objects/1%6b.bin', '/objects/1k.bin?', '//objects/./1k.bin');
    const statuses: string[] = [];
    for (const spelling of spellings) {
      const fetched = await c.fetch(spelling);
      assertFetched(fetched, bytes);
      statuses.push(fetched.object.cache);
    }
    const http = await httpGet(replica.endpoint.port, '/objects/%31%6b.bin?');
    assert.ok(http.body.equals(bytes));
    assert.equal(http.headers['x-cache'], 'hit');
    assert.deepEqual(statuses, ['miss', ...spellings.slice(1).map(() => 'hit')]);
    assert.equal(origin.requests.length, 1, 'one origin fetch');
    assert.equal(replica.status().cache.objects, 1);
  });

  it('keeps queries by default, and caches and fetches without the ones --query drops', async (t) => {
    const { origin } = await setup(t);
    const script = bytesOf(500, 3);
    const scripts = ['/a.js', '/a.js?v=1', '/a.js?v=1&bust=1', '/a.js?bust=2&v=1'];
    for (const path of scripts) origin.put(path, script);
    const fetchAll = async (query: string, paths: string[]): Promise<string[]> => {
      const { replica, client } = await setup(t, { origin: origin.url, query });
      const c = await client();
      const before = origin.requests.length;
      for (const path of paths) assertFetched(await c.fetch(path), script);
      assert.equal(replica.status().cache.objects, new Set(origin.requests.slice(before)).size);
      return origin.requests.slice(before).map((request) => request.path);
    };
    const busted = ['/a.js?v=1&bust=1', '/a.js?bust=2&v=1'];
    assert.deepEqual(await fetchAll('keep', busted), busted, 'keep: each query its own object');
    assert.deepEqual(await fetchAll('ignore', busted), ['/a.js'], 'ignore: asked without one');
    assert.deepEqual(await fetchAll('allow=v', busted), ['/a.js?v=1'], 'allow=v: only v counts');
  });
});
