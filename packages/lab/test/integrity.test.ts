import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { open, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { ClientError, download, type DownloadResult } from '@cdn-lab/client';
import { startOrigin, type OriginHandle } from '@cdn-lab/origin';
import type { Endpoint, RouteOkMessage } from '@cdn-lab/protocol';
import { spawnRole, type RoleProcess } from '../src/role-process.js';
import { tempDir } from './helpers.js';

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes that differ everywhere between seeds, so a torn or spliced copy matches neither. */
function bytesOf(size: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes.writeUInt32LE(x, i);
  }
  return bytes;
}

async function originOn(t: TestContext, files: Record<string, Buffer>): Promise<OriginHandle> {
  const root = await tempDir(t);
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(root, name), bytes);
  const origin = await startOrigin({ root, port: 0 });
  t.after(() => origin.close());
  return origin;
}

async function replicaAt(
  t: TestContext,
  host: string,
  origin: OriginHandle,
  extra: string[] = [],
): Promise<{ process: RoleProcess; endpoint: Endpoint }> {
  const replica = await spawnRole('replica', host, [
    ...['--host', host, '-p', '0', '--origin', origin.url, ...extra],
  ]);
  t.after(() => replica.stop('SIGKILL'));
  const { port } = replica.ready;
  return { process: replica, endpoint: { id: `${host}:${port}`, host, port } };
}

function routeTo(best: Endpoint, ...alternates: Endpoint[]): () => Promise<RouteOkMessage> {
  return () =>
    Promise.resolve({ type: 'route-ok', best, alternates, strategy: 'test', reason: 'test' });
}

/** The download's result, or its ClientError: a test asserts which. */
async function outcomeOf(run: Promise<DownloadResult>): Promise<DownloadResult | ClientError> {
  try {
    return await run;
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
}

const BALANCER_UNUSED = { host: '127.0.0.1', port: 1 };

describe(
  'a client never accepts wrong bytes (origin → replica → client)',
  { timeout: 90_000 },
  () => {
    it('a file overwritten in place while the origin streams it: no torn copy is accepted', async (t) => {
      const size = 32 * 1024 * 1024;
      const before = bytesOf(size, 1);
      const after = bytesOf(size, 2);
      const origin = await originOn(t, { 'torn.bin': before });
      // Too big to cache, so the origin is read at the client's pace and is mid-file when it changes.
      const replica = await replicaAt(t, '127.0.23.1', origin, [
        ...['--cache-bytes', '1MiB', '--fault-bandwidth', '16384'],
      ]);
      const dir = await tempDir(t);
      const file = join(origin.root, 'torn.bin');
      let overwritten: Promise<void> | null = null;
      const output = join(dir, 'torn.bin');
      const outcome = await outcomeOf(
        download({
          balancer: BALANCER_UNUSED,
          router: routeTo(replica.endpoint),
          path: '/torn.bin',
          sink: output,
          onProgress: ({ received }) => {
            if (received < 1024 * 1024 || overwritten) return;
            overwritten = open(file, 'r+').then(async (handle) => {
              await handle.write(after, 0, size, 0);
              await handle.close();
            });
          },
        }),
      );
      assert.ok(overwritten, 'the file was overwritten during the download');
      await overwritten;
      if (outcome instanceof ClientError) return;
      assert.ok(
        outcome.sha256 === sha256(before) || outcome.sha256 === sha256(after),
        `accepted bytes matching neither version (sha256 ${outcome.sha256.slice(0, 12)}…)`,
      );
      assert.equal(sha256(await readFile(output)), outcome.sha256);
    });

    it('two versions with the same size and mtime: a failover between them ends with one version whole', async (t) => {
      const size = 4 * 1024 * 1024;
      const first = bytesOf(size, 3);
      const second = bytesOf(size, 4);
      const mtime = new Date('2024-01-02T03:04:05Z');
      const origin = await originOn(t, { 'same.bin': first });
      const file = join(origin.root, 'same.bin');
      await utimes(file, mtime, mtime);
      // a serves slowly, so it is still sending when it is killed.
      const a = await replicaAt(t, '127.0.24.1', origin, ['--fault-bandwidth', '2048']);
      const b = await replicaAt(t, '127.0.24.2', origin);
      const dir = await tempDir(t);
      const primed = await download({
        balancer: BALANCER_UNUSED,
        router: routeTo(a.endpoint),
        path: '/same.bin',
        sink: null,
      });
      assert.equal(primed.sha256, sha256(first), 'a has cached the first version');

      await writeFile(file, second);
      await utimes(file, mtime, mtime);
      let killed = false;
      const output = join(dir, 'same.bin');
      const outcome = await outcomeOf(
        download({
          balancer: BALANCER_UNUSED,
          router: routeTo(a.endpoint, b.endpoint),
          path: '/same.bin',
          sink: output,
          onProgress: ({ received }) => {
            if (killed || received < 1024 * 1024) return;
            killed = true;
            a.process.child.kill('SIGKILL');
          },
        }),
      );
      assert.ok(killed, 'a was killed mid-transfer');
      assert.ok(!(outcome instanceof ClientError), `the download failed: ${String(outcome)}`);
      assert.equal(outcome.sha256, sha256(second), "b's version, whole");
      assert.deepEqual(await readFile(output), second);
    });

    it('two versions with the same size and mtime: the old copy is not "revalidated"', async (t) => {
      const size = 100_000;
      const first = bytesOf(size, 5);
      const second = bytesOf(size, 6);
      const mtime = new Date('2024-01-02T03:04:05Z');
      const origin = await originOn(t, { 'page.bin': first });
      const file = join(origin.root, 'page.bin');
      await utimes(file, mtime, mtime);
      const replica = await replicaAt(t, '127.0.24.3', origin, ['--ttl', '0']);
      const get = (): Promise<DownloadResult> =>
        download({
          balancer: BALANCER_UNUSED,
          router: routeTo(replica.endpoint),
          path: '/page.bin',
          sink: null,
        });
      assert.equal((await get()).sha256, sha256(first));
      await writeFile(file, second);
      await utimes(file, mtime, mtime);
      const again = await get();
      assert.equal(again.sha256, sha256(second), 'the new content, not the cached one');
      assert.equal(again.cache, 'miss');
    });
  },
);
