import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '@cdn-lab/common';
import { readManifest, writeDemoSite, DEMO_OBJECTS } from '../src/index.js';
import { DeterministicBytes } from '../src/demo/byte-generator.js';
import { tempDir } from './helpers.js';

const MiB = 1024 * 1024;

function onDisk(dir: string, urlPath: string): string {
  return join(dir, ...urlPath.split('/').filter(Boolean));
}

async function mtimes(dir: string, paths: string[]): Promise<number[]> {
  return Promise.all(paths.map(async (path) => (await stat(onDisk(dir, path))).mtimeMs));
}

test('the demo site is the same bytes in two directories, and the manifest describes the files', async () => {
  const base = await tempDir();
  const first = await writeDemoSite(join(base, 'one'), { maxObjectBytes: MiB });
  const second = await writeDemoSite(join(base, 'two'), { maxObjectBytes: MiB });

  const textOne = await readFile(first.manifestPath, 'utf8');
  assert.equal(await readFile(second.manifestPath, 'utf8'), textOne);

  const manifest = await readManifest(first.dir);
  const paths = manifest.objects.map((entry) => entry.path);
  const expectedObjects = DEMO_OBJECTS.filter((o) => o.size <= MiB).map((o) => o.path);
  for (const path of expectedObjects) assert.ok(paths.includes(path), `${path} is listed`);
  assert.ok(!paths.includes('/objects/10m.bin'), 'objects over maxObjectBytes are left out');
  assert.ok(paths.includes('/index.html') && paths.includes('/pages/cdn.html'));
  assert.ok(!paths.includes('/manifest.json'));

  for (const entry of manifest.objects) {
    const bytes = await readFile(onDisk(first.dir, entry.path));
    assert.equal(bytes.length, entry.size, `size of ${entry.path}`);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256, entry.path);
    assert.ok(bytes.equals(await readFile(onDisk(second.dir, entry.path))), entry.path);
  }
  const objectDigests = new Set(
    manifest.objects.filter((e) => e.path.startsWith('/objects/')).map((e) => e.sha256),
  );
  assert.equal(objectDigests.size, expectedObjects.length, 'every object has its own content');
  assert.equal(
    first.totalBytes,
    manifest.objects.reduce((sum, e) => sum + e.size, 0),
  );
});

test('index.html links every file of the site', async () => {
  const site = await writeDemoSite(await tempDir(), { maxObjectBytes: 100 * 1024 });
  const index = await readFile(onDisk(site.dir, '/index.html'), 'utf8');
  for (const entry of site.manifest.objects) {
    if (entry.path === '/index.html') continue;
    assert.ok(
      index.includes(`href="${entry.path}"`) || index.includes(`src="${entry.path}"`),
      entry.path,
    );
  }
  assert.ok(index.includes('href="/manifest.json"'));
});

test('a second generation into a complete site writes nothing', async () => {
  const dir = await tempDir();
  const first = await writeDemoSite(dir, { maxObjectBytes: MiB });
  assert.equal(first.upToDate, false);
  const paths = [...first.manifest.objects.map((e) => e.path), '/manifest.json'];
  const before = await mtimes(dir, paths);

  const again = await writeDemoSite(dir, { maxObjectBytes: MiB });
  assert.equal(again.upToDate, true);
  assert.deepEqual(again.written, []);
  assert.deepEqual(await mtimes(dir, paths), before);
  assert.deepEqual(again.manifest, first.manifest);
});

test('a damaged object is written again and the intact ones are kept', async () => {
  const dir = await tempDir();
  const first = await writeDemoSite(dir, { maxObjectBytes: 100 * 1024 });
  const keptBefore = await mtimes(dir, ['/objects/1k.bin']);
  await truncate(onDisk(dir, '/objects/10k.bin'), 100);

  const repaired = await writeDemoSite(dir, { maxObjectBytes: 100 * 1024 });
  assert.deepEqual(repaired.written, ['/objects/10k.bin']);
  assert.deepEqual(await mtimes(dir, ['/objects/1k.bin']), keptBefore);
  const bytes = await readFile(onDisk(dir, '/objects/10k.bin'));
  const entry = first.manifest.objects.find((e) => e.path === '/objects/10k.bin');
  assert.equal(createHash('sha256').update(bytes).digest('hex'), entry?.sha256);
});

test('the byte stream does not depend on how it is cut into chunks', () => {
  const whole = Buffer.alloc(4099);
  new DeterministicBytes('seed').fill(whole);
  const pieces = new DeterministicBytes('seed');
  const parts = [Buffer.alloc(1024), Buffer.alloc(3072), Buffer.alloc(3)];
  for (const part of parts) pieces.fill(part);
  assert.ok(Buffer.concat(parts).equals(whole));

  const unaligned = Buffer.alloc(4100).subarray(1);
  new DeterministicBytes('seed').fill(unaligned);
  assert.ok(unaligned.equals(whole), 'a buffer at an odd offset gets the same bytes');

  const other = Buffer.alloc(4099);
  new DeterministicBytes('another seed').fill(other);
  assert.ok(!other.equals(whole));
});

test('readManifest names the directory when there is no manifest', async () => {
  const dir = await tempDir();
  await assert.rejects(readManifest(dir), (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /manifest\.json does not exist/);
    assert.ok(error.message.includes(dir));
    return true;
  });
});
