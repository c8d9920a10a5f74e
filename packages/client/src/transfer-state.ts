import { createHash, type Hash } from 'node:crypto';
import type { CacheStatus, ObjectMessage } from '@cdn-lab/protocol';
import type { Sink } from './sink.js';

/** What the first part told us about the object; later parts must describe the same one. */
export interface KnownObject {
  path: string;
  size: number;
  etag: string | null;
  cache: CacheStatus;
}

/** A digest the whole object must have, and who vouched for it (for the error message). */
export interface DigestPromise {
  sha256: string;
  by: string;
}

/** Who vouches for the origin's digest a replica passed on. */
export function originVouch(servedBy: string): string {
  return `the origin (its Repr-Digest, via replica ${servedBy})`;
}

/**
 * The object as assembled so far across replicas: bytes written to the sink and hashed in
 * order, the digests replicas (and, through them, the origin) promised, and who contributed.
 */
export class TransferState {
  private hash: Hash = createHash('sha256');
  private promises: DigestPromise[] = [];
  /** Bytes of the object we have, in order; also the offset to resume from. */
  received = 0;
  /** Every data byte that came over the wire, including bytes discarded by a restart. */
  wireBytes = 0;
  object: KnownObject | null = null;
  servedBy: string[] = [];
  /** From the first get that was answered with the object to that answer's arrival (ms). */
  firstByteMs: number | null = null;

  constructor(
    private readonly sink: Sink,
    private readonly onProgress?: (received: number, size: number | null) => void,
  ) {}

  /**
   * Why the object a replica announced for a resume is not the one we have (then the download
   * must restart at 0), or null when it is the same.
   */
  conflictWith(announced: ObjectMessage): string | null {
    const known = this.object;
    if (!known || this.received === 0) return null;
    if (announced.size !== known.size) {
      return `the object is now ${announced.size} bytes, it was ${known.size}`;
    }
    if (announced.etag !== null && known.etag !== null && announced.etag !== known.etag) {
      return `the object's etag is now ${announced.etag}, it was ${known.etag}`;
    }
    const promised = (sha256: string): boolean => this.promises.some((p) => p.sha256 === sha256);
    if (announced.sha256 !== null && this.promises.length > 0 && !promised(announced.sha256)) {
      return "the object's sha256 changed";
    }
    if (announced.originSha256 && this.promises.length > 0 && !promised(announced.originSha256)) {
      return "the origin's digest of the object changed";
    }
    return null;
  }

  /** A replica announced the object (after conflictWith found nothing wrong). */
  begin(announced: ObjectMessage): void {
    if (!this.object || this.received === 0) {
      this.object = {
        path: announced.path,
        size: announced.size,
        etag: announced.etag,
        cache: announced.cache,
      };
      this.promises = [];
    }
    if (announced.sha256 !== null) {
      this.promises.push({ sha256: announced.sha256, by: `replica ${announced.servedBy}` });
    }
    if (announced.originSha256) {
      this.promises.push({
        sha256: announced.originSha256,
        by: originVouch(announced.servedBy),
      });
    }
  }

  async append(bytes: Buffer, from: string): Promise<void> {
    this.wireBytes += bytes.length;
    if (bytes.length === 0) return;
    this.contributed(from);
    this.hash.update(bytes);
    this.received += bytes.length;
    await this.sink.write(bytes);
    this.onProgress?.(this.received, this.object?.size ?? null);
  }

  /** Records a replica that delivered bytes (or completed the object), once per turn. */
  contributed(from: string): void {
    if (this.servedBy[this.servedBy.length - 1] !== from) this.servedBy.push(from);
  }

  /** The digests promised for the object in `object` frames (replicas' and the origin's). */
  get promised(): readonly DigestPromise[] {
    return this.promises;
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }

  /** Back to nothing: the object changed under us. */
  async restart(): Promise<void> {
    await this.sink.reset();
    this.hash = createHash('sha256');
    this.promises = [];
    this.received = 0;
    this.object = null;
    this.servedBy = [];
  }
}
