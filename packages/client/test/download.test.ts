import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { openEventLog } from '@cdn-lab/common';
import { ClientError, download } from '../src/index.js';
import { downloadFixture } from './download-fixture.js';
import { deadEndpoint, makeBody, routeTo, sha256, type FakeObject } from './fakes.js';
import { readEvents } from './temp.js';

const BODY = makeBody(300 * 1024 + 123);
const OBJECT: FakeObject = { path: '/objects/file.bin', body: BODY, etag: '"v1"' };

function isClientError(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ClientError, `expected a ClientError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('download', () => {
  const fixture = downloadFixture({ path: OBJECT.path, file: 'file.bin' });
  const { replica, balancer, options } = fixture;

  it('saves a byte-identical, verified file under the final name only', async () => {
    const a = await replica([OBJECT], { behave: () => ({ announceSha: true }) });
    const b = await balancer(() => routeTo(a.endpoint));
    const result = await download(options(b));
    assert.deepEqual(await readFile(fixture.dir.file('file.bin')), BODY);
    assert.deepEqual(await fixture.dir.list(), ['file.bin']);
    assert.equal(result.sha256, sha256(BODY));
    assert.equal(result.size, BODY.length);
    assert.equal(result.path, OBJECT.path);
    assert.deepEqual(result.servedBy, [a.endpoint.id]);
    assert.equal(result.failovers, 0);
    assert.deepEqual(b.routes, [OBJECT.path]);
    assert.deepEqual(a.gets, [{ type: 'get', path: OBJECT.path, offset: 0 }]);
  });

  it('asks for the default object with a null path', async () => {
    const a = await replica([{ path: '/index.html', body: makeBody(5000, 7), etag: null }]);
    const b = await balancer(() => routeTo(a.endpoint));
    const result = await download(options(b, { path: null, sink: null }));
    assert.equal(result.path, '/index.html');
    assert.equal(result.sha256, sha256(makeBody(5000, 7)));
    assert.deepEqual(b.routes, [null]);
    assert.equal(a.gets[0]?.path, null);
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it('resumes on the alternate at exactly the byte where the best replica died', async () => {
    const cut = 100_003;
    const best = await replica([OBJECT], { behave: () => ({ cutAt: cut }) });
    const alternate = await replica([OBJECT]);
    const b = await balancer(() => routeTo(best.endpoint, alternate.endpoint));
    const logFile = fixture.dir.file('events.log');
    const events = openEventLog('client', logFile);
    const result = await download(options(b, { log: events.log }));
    events.close();

    assert.deepEqual(alternate.gets, [{ type: 'get', path: OBJECT.path, offset: cut }]);
    assert.deepEqual(await readFile(fixture.dir.file('file.bin')), BODY);
    assert.deepEqual(result.servedBy, [best.endpoint.id, alternate.endpoint.id]);
    assert.equal(result.failovers, 1);
    assert.equal(result.bytes, BODY.length);
    const failover = (await readEvents(logFile)).find((event) => event['event'] === 'failover');
    assert.ok(failover, 'a failover event is logged');
    assert.equal(failover['from'], best.endpoint.id);
    assert.equal(failover['to'], alternate.endpoint.id);
    assert.equal(failover['offset'], cut);
  });

  it('streams a large object to disk across a failover, reporting progress', async () => {
    const big: FakeObject = {
      path: '/objects/8m.bin',
      body: makeBody(8 * 1024 * 1024, 11),
      etag: '"b"',
    };
    const cut = 5 * 1024 * 1024 + 17;
    const best = await replica([big], { chunkSize: 64 * 1024, behave: () => ({ cutAt: cut }) });
    const alternate = await replica([big], { chunkSize: 64 * 1024 });
    const b = await balancer(() => routeTo(best.endpoint, alternate.endpoint));
    const seen: number[] = [];
    const result = await download(
      options(b, {
        path: big.path,
        sink: fixture.dir.file('8m.bin'),
        onProgress: (progress) => seen.push(progress.received),
      }),
    );
    assert.equal(result.sha256, sha256(big.body));
    assert.ok((await readFile(fixture.dir.file('8m.bin'))).equals(big.body));
    assert.equal(alternate.gets[0]?.offset, cut);
    assert.ok(seen.every((value, i) => i === 0 || value > (seen[i - 1] ?? 0)));
    assert.equal(seen[seen.length - 1], big.body.length);
  });

  it('fails over when a replica stops sending for longer than the timeout', async () => {
    const stall = 64_000;
    const hung = await replica([OBJECT], { behave: () => ({ stallAt: stall }) });
    const alternate = await replica([OBJECT]);
    const b = await balancer(() => routeTo(hung.endpoint, alternate.endpoint));
    const result = await download(options(b, { timeoutMs: 300 }));
    assert.deepEqual(
      alternate.gets.map((get) => get.offset),
      [stall],
    );
    assert.deepEqual(result.servedBy, [hung.endpoint.id, alternate.endpoint.id]);
    assert.deepEqual(await readFile(fixture.dir.file('file.bin')), BODY);
  });

  it('asks the balancer again when best and alternates are exhausted', async () => {
    const dead = await deadEndpoint();
    const good = await replica([OBJECT]);
    const b = await balancer((_path, index) =>
      index === 0 ? routeTo(dead) : routeTo(good.endpoint),
    );
    const result = await download(options(b));
    assert.equal(b.routes.length, 2);
    assert.deepEqual(result.servedBy, [good.endpoint.id]);
    assert.equal(result.failovers, 1);
    assert.deepEqual(await readFile(fixture.dir.file('file.bin')), BODY);
  });

  it('rejects with all_replicas_failed and leaves no file when every replica fails', async () => {
    const dead = await deadEndpoint();
    const cutting = await replica([OBJECT], { behave: () => ({ cutAt: 50_000 }) });
    const draining = await replica([OBJECT], { behave: () => ({ error: 'draining' }) });
    const b = await balancer(() => routeTo(dead, cutting.endpoint, draining.endpoint));
    await assert.rejects(
      download(options(b, { maxRouteAttempts: 2 })),
      isClientError(
        'all_replicas_failed',
        new RegExp(
          `${dead.id}.*connection refused.*${cutting.endpoint.id}.*${draining.endpoint.id}.*draining`,
        ),
      ),
    );
    assert.equal(b.routes.length, 2);
    assert.deepEqual(await fixture.dir.list(), [], 'neither the final file nor a temp file exists');
  });

  it('rejects a corrupted byte with digest_mismatch and leaves no file', async () => {
    const a = await replica([OBJECT], { behave: () => ({ corruptAt: 200_000 }) });
    const b = await balancer(() => routeTo(a.endpoint));
    await assert.rejects(download(options(b)), isClientError('digest_mismatch', /sha256/));
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it('rejects bytes that differ from the sha256 announced in the object frame', async () => {
    // The end frame matches the bytes sent; only the object frame's promise tells them apart.
    const a = await replica([OBJECT], {
      behave: () => ({ announcedSha: sha256(makeBody(BODY.length, 99)) }),
    });
    const b = await balancer(() => routeTo(a.endpoint));
    await assert.rejects(download(options(b)), isClientError('digest_mismatch'));
    assert.deepEqual(await fixture.dir.list(), []);
  });

  for (const change of ['etag', 'size'] as const) {
    it(`restarts from byte 0 when the ${change} differs on resume, and ends correct`, async () => {
      const newBody = change === 'size' ? makeBody(BODY.length + 999, 5) : makeBody(BODY.length, 5);
      const newEtag = change === 'etag' ? '"v2"' : OBJECT.etag;
      const best = await replica([OBJECT], { behave: () => ({ cutAt: 120_000 }) });
      const alternate = await replica([{ ...OBJECT, body: newBody, etag: newEtag }]);
      const b = await balancer(() => routeTo(best.endpoint, alternate.endpoint));
      const result = await download(options(b));
      assert.deepEqual(
        alternate.gets.map((get) => get.offset),
        [120_000, 0],
      );
      assert.deepEqual(await readFile(fixture.dir.file('file.bin')), newBody);
      assert.equal(result.sha256, sha256(newBody));
      assert.deepEqual(result.servedBy, [alternate.endpoint.id]);
      assert.deepEqual(await fixture.dir.list(), ['file.bin']);
    });
  }

  it('gives up with no_replica after the bounded number of route attempts', async () => {
    const b = await balancer(() => ({
      type: 'error',
      code: 'no_replica',
      message: 'no healthy replica',
      retryAfterMs: 5,
    }));
    await assert.rejects(download(options(b, { maxRouteAttempts: 3 })), (error: unknown) => {
      assert.ok(error instanceof ClientError);
      assert.equal(error.code, 'no_replica');
      assert.equal(error.retryAfterMs, 5);
      assert.match(error.message, /no replica is available for \/objects\/file\.bin/);
      return true;
    });
    assert.equal(b.routes.length, 3);
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it('waits as long as a too_many_connections refusal from the balancer asks, then routes again', async () => {
    const r = await replica([OBJECT]);
    const askedAt: number[] = [];
    const b = await balancer((_path, index) => {
      askedAt.push(performance.now());
      return index === 0
        ? {
            type: 'error',
            code: 'too_many_connections',
            message: 'too many connections from your address (limit 1 per address)',
            retryAfterMs: 300,
          }
        : routeTo(r.endpoint);
    });
    const result = await download(options(b));
    assert.equal(result.sha256, sha256(BODY));
    assert.equal(b.routes.length, 2);
    const [first = 0, second = 0] = askedAt;
    assert.ok(second - first >= 290, `asked again after ${second - first} ms`);
  });

  it('waits as long as a replica refusing for too many connections asks, and gets in once a slot frees', async () => {
    const getAt: number[] = [];
    const r = await replica([OBJECT], {
      behave: (_get, index) => {
        getAt.push(performance.now());
        return index === 0 ? { error: 'too_many_connections', retryAfterMs: 600 } : {};
      },
    });
    const b = await balancer(() => routeTo(r.endpoint));
    const result = await download(options(b));
    assert.equal(result.sha256, sha256(BODY));
    assert.equal(r.gets.length, 2);
    const [first = 0, second = 0] = getAt;
    assert.ok(second - first >= 590, `tried again after ${second - first} ms, not the 600 asked`);
  });

  it('gives up after the bounded number of rounds when every slot stays taken', async () => {
    const r = await replica([OBJECT], {
      behave: () => ({ error: 'too_many_connections', retryAfterMs: 10 }),
    });
    const b = await balancer(() => routeTo(r.endpoint));
    await assert.rejects(
      download(options(b, { maxRouteAttempts: 3 })),
      isClientError('all_replicas_failed', /too_many_connections/),
    );
    assert.equal(r.gets.length, 3);
  });

  it('treats not_found as final: no other replica is tried', async () => {
    const missing = await replica([OBJECT], { behave: () => ({ error: 'not_found' }) });
    const alternate = await replica([OBJECT]);
    const b = await balancer(() => routeTo(missing.endpoint, alternate.endpoint));
    await assert.rejects(
      download(options(b, { path: '/nope.txt' })),
      isClientError('not_found', /\/nope\.txt was not found/),
    );
    assert.equal(alternate.gets.length, 0);
    assert.equal(b.routes.length, 1);
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it('names the balancer when it is not reachable', async () => {
    const dead = await deadEndpoint();
    await assert.rejects(
      download({
        balancer: { host: dead.host, port: dead.port },
        path: '/x',
        sink: fixture.dir.file('x'),
        maxRouteAttempts: 1,
      }),
      isClientError(
        'balancer_unreachable',
        new RegExp(`balancer ${dead.id} is not reachable: connection refused`),
      ),
    );
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it('reports an output folder that does not exist before contacting anyone', async () => {
    const dead = await deadEndpoint();
    await assert.rejects(
      download({ balancer: dead, path: '/x', sink: fixture.dir.file('no/such/dir/x') }),
      isClientError('output_failed', /folder does not exist/),
    );
  });
});
