import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ManifestDigests } from './manifest-digests.js';

/** A file's validators and the sha256 (hex) of the bytes they describe. */
export interface DescribedFile {
  stats: Stats;
  sha256: string;
}

/** The file kept changing while it was hashed; the request is answered 503 (try again). */
export class FileChanging extends Error {
  constructor(fsPath: string) {
    super(`${fsPath} kept changing while its digest was computed`);
    this.name = 'FileChanging';
  }
}

const READ_CHUNK = 1024 * 1024;
/** Hash attempts before a file that changes under every read is given up on. */
const ATTEMPTS = 3;

/**
 * Any write changes a file's ctime, which cannot be set back (unlike mtime), so the same
 * device, inode, size, mtime and ctime mean the same bytes.
 */
function versionOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/**
 * The sha256 of every file served, computed once per version of the file (or taken from the
 * demo manifest when the file has not changed since it was written) and remembered by path.
 */
export class FileDigests {
  private readonly known = new Map<string, { version: string; sha256: string }>();
  private readonly computing = new Map<string, Promise<string>>();

  constructor(private readonly manifest: ManifestDigests) {}

  /** The file's current validators and digest; throws FileChanging if it will not hold still. */
  async describe(fsPath: string, handle: FileHandle): Promise<DescribedFile> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const stats = await handle.stat();
      const version = versionOf(stats);
      const known = this.known.get(fsPath);
      if (known?.version === version) return { stats, sha256: known.sha256 };
      const listed = this.manifest.digestOf(fsPath, stats);
      if (listed) {
        this.known.set(fsPath, { version, sha256: listed });
        return { stats, sha256: listed };
      }
      const sha256 = await this.hashOnce(`${fsPath}\0${version}`, handle, stats.size);
      if (versionOf(await handle.stat()) !== version) continue;
      this.known.set(fsPath, { version, sha256 });
      return { stats, sha256 };
    }
    throw new FileChanging(fsPath);
  }

  /** The bytes sent did not match the digest: forget it (and the manifest's word for it). */
  distrust(fsPath: string): void {
    this.known.delete(fsPath);
    this.manifest.distrust(fsPath);
  }

  private hashOnce(key: string, handle: FileHandle, size: number): Promise<string> {
    let pending = this.computing.get(key);
    if (!pending) {
      pending = hashFile(handle, size).finally(() => this.computing.delete(key));
      this.computing.set(key, pending);
    }
    return pending;
  }
}

async function hashFile(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(size, 1)));
  for (let position = 0; position < size;) {
    const length = Math.min(buffer.length, size - position);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}
