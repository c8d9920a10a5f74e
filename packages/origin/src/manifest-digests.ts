import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, validateManifest } from './demo/manifest.js';

interface Listed {
  size: number;
  sha256: string;
}

/**
 * The demo manifest's digests, so the origin need not read a demo object to know its sha256.
 * An entry is believed only for a file of the listed size that has not changed (ctime) since
 * the manifest was written; anything else is hashed like any other file.
 */
export class ManifestDigests {
  private constructor(
    private readonly listed: Map<string, Listed>,
    private readonly writtenAtMs: number,
  ) {}

  static none(): ManifestDigests {
    return new ManifestDigests(new Map(), 0);
  }

  /** Reads ROOT/manifest.json when there is a valid one; otherwise knows nothing. */
  static async load(realRoot: string): Promise<ManifestDigests> {
    const file = join(realRoot, MANIFEST_FILE);
    try {
      const [text, stats] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
      const manifest = validateManifest(JSON.parse(text) as unknown);
      if (typeof manifest === 'string') return ManifestDigests.none();
      const listed = new Map<string, Listed>();
      for (const { path, size, sha256 } of manifest.objects) {
        listed.set(join(realRoot, ...path.split('/').filter(Boolean)), { size, sha256 });
      }
      return new ManifestDigests(listed, stats.mtimeMs);
    } catch {
      return ManifestDigests.none();
    }
  }

  digestOf(fsPath: string, stats: Stats): string | null {
    const entry = this.listed.get(fsPath);
    if (!entry || entry.size !== stats.size || stats.ctimeMs > this.writtenAtMs) return null;
    return entry.sha256;
  }

  distrust(fsPath: string): void {
    this.listed.delete(fsPath);
  }
}
