import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UserError, contentTypeFor } from '@cdn-lab/common';
import { DeterministicBytes } from './byte-generator.js';
import {
  GENERATOR_NAME,
  GENERATOR_VERSION,
  MANIFEST_FILE,
  manifestText,
  validateManifest,
  type DemoManifest,
  type ManifestEntry,
} from './manifest.js';
import { demoPages, type IndexedObject } from './pages.js';
import { plannedObjects, type DemoObjectSpec } from './site-plan.js';

export interface DemoSiteOptions {
  /** Leave out objects larger than this many bytes (the 64 MiB one takes the most time). */
  maxObjectBytes?: number;
}

export interface DemoSiteResult {
  /** Absolute directory of the site. */
  dir: string;
  manifestPath: string;
  manifest: DemoManifest;
  /** Files in the manifest and their total size in bytes. */
  files: number;
  totalBytes: number;
  /** URL paths of the files written by this call (empty when everything was already there). */
  written: string[];
  /** True when nothing had to be written at all. */
  upToDate: boolean;
}

const WRITE_CHUNK = 1024 * 1024;

function fsPathOf(dir: string, urlPath: string): string {
  return join(dir, ...urlPath.split('/').filter(Boolean));
}

async function sizeOnDisk(file: string): Promise<number | null> {
  try {
    const stats = await stat(file);
    return stats.isFile() ? stats.size : null;
  } catch {
    return null;
  }
}

async function readPreviousManifest(dir: string): Promise<DemoManifest | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    const manifest = validateManifest(parsed);
    if (typeof manifest === 'string') return null;
    return manifest.generator === GENERATOR_NAME && manifest.version === GENERATOR_VERSION
      ? manifest
      : null;
  } catch {
    return null;
  }
}

/** Writes next to the target, then renames, so a reader never sees half a file. */
async function writeAtomically(
  file: string,
  fill: (write: (bytes: Buffer) => Promise<void>) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.partial`;
  const handle = await open(partial, 'w');
  try {
    await fill(async (bytes) => {
      await handle.write(bytes);
    });
  } finally {
    await handle.close();
  }
  await rename(partial, file);
}

/** Streams the object's deterministic bytes to disk in chunks; returns their sha256. */
async function writeObject(file: string, spec: DemoObjectSpec): Promise<string> {
  const generator = new DeterministicBytes(`cdn-lab demo v${GENERATOR_VERSION} ${spec.path}`);
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafeSlow(Math.min(WRITE_CHUNK, spec.size));
  await writeAtomically(file, async (write) => {
    for (let done = 0; done < spec.size; done += chunk.length) {
      const part = chunk.subarray(0, Math.min(chunk.length, spec.size - done));
      generator.fill(part);
      hash.update(part);
      await write(part);
    }
  });
  return hash.digest('hex');
}

async function sameBytesOnDisk(file: string, bytes: Buffer): Promise<boolean> {
  if ((await sizeOnDisk(file)) !== bytes.length) return false;
  return (await readFile(file)).equals(bytes);
}

function explainWriteError(dir: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOSPC: 'the disk is full',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EEXIST: 'a file is in the way of a directory',
    EROFS: 'the file system is read-only',
  };
  const reason = known[code ?? ''];
  if (reason) throw new UserError(`cannot write the demo site into ${dir}: ${reason}`);
  throw error;
}

/**
 * Writes the deterministic demo site into `dir` (created if needed): pages, binary objects
 * and manifest.json. Files already there with the size (objects) or bytes (pages) this
 * version would write are kept, so a second run over a complete site writes nothing.
 */
export async function writeDemoSite(
  dir: string,
  options: DemoSiteOptions = {},
): Promise<DemoSiteResult> {
  const root = resolve(dir);
  try {
    return await writeSite(root, options);
  } catch (error) {
    return explainWriteError(root, error);
  }
}

async function writeSite(root: string, options: DemoSiteOptions): Promise<DemoSiteResult> {
  await mkdir(root, { recursive: true });
  const previous = await readPreviousManifest(root);
  const known = new Map(previous?.objects.map((entry) => [entry.path, entry]) ?? []);
  const written: string[] = [];

  const objects: IndexedObject[] = [];
  for (const spec of plannedObjects(options.maxObjectBytes)) {
    const file = fsPathOf(root, spec.path);
    const before = known.get(spec.path);
    if (before?.size === spec.size && (await sizeOnDisk(file)) === spec.size) {
      objects.push({ ...spec, sha256: before.sha256 });
      continue;
    }
    objects.push({ ...spec, sha256: await writeObject(file, spec) });
    written.push(spec.path);
  }

  const pageEntries: ManifestEntry[] = [];
  for (const page of demoPages(objects)) {
    const bytes = Buffer.from(page.text, 'utf8');
    const file = fsPathOf(root, page.path);
    if (!(await sameBytesOnDisk(file, bytes))) {
      await writeAtomically(file, (write) => write(bytes));
      written.push(page.path);
    }
    pageEntries.push({
      path: page.path,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: contentTypeFor(page.path),
    });
  }

  const manifest: DemoManifest = {
    generator: GENERATOR_NAME,
    version: GENERATOR_VERSION,
    objects: [
      ...pageEntries,
      ...objects.map(({ path, size, sha256 }) => ({
        path,
        size,
        sha256,
        contentType: contentTypeFor(path),
      })),
    ],
  };
  const manifestPath = join(root, MANIFEST_FILE);
  const text = Buffer.from(manifestText(manifest), 'utf8');
  const manifestChanged = !(await sameBytesOnDisk(manifestPath, text));
  if (manifestChanged) await writeAtomically(manifestPath, (write) => write(text));

  return {
    dir: root,
    manifestPath,
    manifest,
    files: manifest.objects.length,
    totalBytes: manifest.objects.reduce((sum, entry) => sum + entry.size, 0),
    written,
    upToDate: written.length === 0 && !manifestChanged,
  };
}
