import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { openEventLog } from '@cdn-lab/common';
import { ClientError, download, type DownloadOptions } from '../src/index.js';
import {
  makeBody,
  routeTo,
  sha256,
  startFakeBalancer,
  startFakeReplica,
  type FakeBalancer,
  type FakeObject,
  type FakeReplica,
} from './fakes.js';
import { makeTempDir, readEvents, type TempDir } from './temp.js';

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
  let dir: TempDir;
  const servers: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(server: T): T => {
    servers.push(server);
    return server;
  };
  const options = (
    through: FakeBalancer,
    extra: Partial<DownloadOptions> = {},
  ): DownloadOptions => ({
    balancer: through.address,
    path: PATH,
    sink: dir.file('out.bin'),
    timeoutMs: 5000,
    ...extra,
  });

  before(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const name of await dir.list()) await rm(dir.file(name));
  });
  after(() => dir.remove());

  it('starts once more from byte 0 when bytes joined across a failover do not match, and ends correct', async () => {
    // The first answer of the best replica breaks at 100 000; its later answers are whole.
    const best: FakeReplica = track(
      await startFakeReplica([OLD], {
        behave: (_get, index) => (index === 0 ? { cutAt: 100_000 } : {}),
      }),
    );
    const alternate = track(await startFakeReplica([NEW]));
    const b = track(await startFakeBalancer(() => routeTo(best.endpoint, alternate.endpoint)));
    const logFile = dir.file('events.log');
    const events = openEventLog('client', logFile);
    const result = await download(options(b, { log: events.log }));
    events.close();
    assert.deepEqual(await readFile(dir.file('out.bin')), OLD.body, 'one version, whole');
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
    const best = track(await startFakeReplica([OLD], { behave: () => ({ cutAt: 100_000 }) }));
    const alternate = track(await startFakeReplica([NEW]));
    const b = track(await startFakeBalancer(() => routeTo(best.endpoint, alternate.endpoint)));
    await assert.rejects(
      download(options(b)),
      digestMismatch(
        new RegExp(
          `but replica ${alternate.endpoint.id} \\(its end frame\\) says .*different versions.*even after starting again from byte 0`,
        ),
      ),
    );
    assert.deepEqual(await dir.list(), []);
  });

  it("names the origin's digest when the bytes match the replica's but not the origin's", async () => {
    const a = track(
      await startFakeReplica([NEW], { behave: () => ({ originSha: sha256(OLD.body) }) }),
    );
    const b = track(await startFakeBalancer(() => routeTo(a.endpoint)));
    await assert.rejects(
      download(options(b)),
      digestMismatch(/but the origin \(its Repr-Digest, via replica .*\) says .*corrupted/),
    );
    assert.deepEqual(await dir.list(), []);
  });

  it('names the replica that announced a digest before the bytes when that one fails', async () => {
    const a = track(
      await startFakeReplica([NEW], { behave: () => ({ announcedSha: sha256(OLD.body) }) }),
    );
    const b = track(await startFakeBalancer(() => routeTo(a.endpoint)));
    await assert.rejects(
      download(options(b)),
      digestMismatch(new RegExp(`but replica ${a.endpoint.id} says`)),
    );
  });

  it("restarts from byte 0 on resume when the origin's digest changed, though size and ETag did not", async () => {
    const best = track(
      await startFakeReplica([OLD], {
        behave: () => ({ cutAt: 100_000, originSha: sha256(OLD.body) }),
      }),
    );
    const alternate = track(
      await startFakeReplica([NEW], { behave: () => ({ originSha: sha256(NEW.body) }) }),
    );
    const b = track(await startFakeBalancer(() => routeTo(best.endpoint, alternate.endpoint)));
    const result = await download(options(b));
    assert.deepEqual(
      alternate.gets.map((get) => get.offset),
      [100_000, 0],
    );
    assert.equal(result.sha256, sha256(NEW.body));
  });
});
