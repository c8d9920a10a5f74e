import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { openEventLog } from '@cdn-lab/common';
import { ClientError, download } from '../src/index.js';
import { downloadFixture } from './download-fixture.js';
import { makeBody, routeTo, sha256, type FakeObject } from './fakes.js';
import { readEvents } from './temp.js';

const PATH = '/objects/same-etag.bin';
const SIZE = 300 * 1024;
/** Two versions of one object under one ETag: what an origin with size+mtime ETags serves. */
const OLD: FakeObject = { path: PATH, body: makeBody(SIZE, 1), etag: '"4b000-18d"' };
const NEW: FakeObject = { path: PATH, body: makeBody(SIZE, 2), etag: '"4b000-18d"' };

function digestMismatch(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ClientError, String(error));
    assert.equal(error.code, 'digest_mismatch', error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('download integrity', () => {
  const fixture = downloadFixture({ path: PATH, file: 'out.bin' });
  const { replica, balancer, options } = fixture;

  it('starts once more from byte 0 when bytes joined across a failover do not match, and ends correct', async () => {
    // The first answer of the best replica breaks at 100 000; its later answers are whole.
    const best = await replica([OLD], {
      behave: (_get, index) => (index === 0 ? { cutAt: 100_000 } : {}),
    });
    const alternate = await replica([NEW]);
    const b = await balancer(() => routeTo(best.endpoint, alternate.endpoint));
    const logFile = fixture.dir.file('events.log');
    const events = openEventLog('client', logFile);
    const result = await download(options(b, { log: events.log }));
    events.close();
    assert.deepEqual(await readFile(fixture.dir.file('out.bin')), OLD.body, 'one version, whole');
    assert.equal(result.sha256, sha256(OLD.body));
    assert.deepEqual(result.servedBy, [best.endpoint.id]);
    assert.deepEqual(
      best.gets.map((get) => get.offset),
      [0, 0],
      'the restart asked for byte 0',
    );
    const restart = (await readEvents(logFile)).find((event) => event['event'] === 'restart');
    assert.match(String(restart?.['reason']), /different versions/);
    await rm(logFile);
  });

  it('gives up after the one restart, naming the check that failed and the splice', async () => {
    const best = await replica([OLD], { behave: () => ({ cutAt: 100_000 }) });
    const alternate = await replica([NEW]);
    const b = await balancer(() => routeTo(best.endpoint, alternate.endpoint));
    await assert.rejects(
      download(options(b)),
      digestMismatch(
        new RegExp(
          `but replica ${alternate.endpoint.id} \\(its end frame\\) says .*different versions.*even after starting again from byte 0`,
        ),
      ),
    );
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it("names the origin's digest when the bytes match the replica's but not the origin's", async () => {
    const a = await replica([NEW], { behave: () => ({ originSha: sha256(OLD.body) }) });
    const b = await balancer(() => routeTo(a.endpoint));
    await assert.rejects(
      download(options(b)),
      digestMismatch(/but the origin \(its Repr-Digest, via replica .*\) says .*corrupted/),
    );
    assert.deepEqual(await fixture.dir.list(), []);
  });

  it('names the replica that announced a digest before the bytes when that one fails', async () => {
    const a = await replica([NEW], { behave: () => ({ announcedSha: sha256(OLD.body) }) });
    const b = await balancer(() => routeTo(a.endpoint));
    await assert.rejects(
      download(options(b)),
      digestMismatch(new RegExp(`but replica ${a.endpoint.id} says`)),
    );
  });

  it("restarts from byte 0 on resume when the origin's digest changed, though size and ETag did not", async () => {
    const best = await replica([OLD], {
      behave: () => ({ cutAt: 100_000, originSha: sha256(OLD.body) }),
    });
    const alternate = await replica([NEW], { behave: () => ({ originSha: sha256(NEW.body) }) });
    const b = await balancer(() => routeTo(best.endpoint, alternate.endpoint));
    const result = await download(options(b));
    assert.deepEqual(
      alternate.gets.map((get) => get.offset),
      [100_000, 0],
    );
    assert.equal(result.sha256, sha256(NEW.body));
  });
});
