import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** The bytes read are not the ones announced: the file changed while it was being sent. */
export class ChangedWhileSending extends Error {
  constructor(reason: string) {
    super(`the file changed while it was being sent (${reason})`);
    this.name = 'ChangedWhileSending';
  }
}

/**
 * Passes a file's bytes through, hashing them, and holds the last chunk back until the whole
 * file is read: only if the bytes are the `size` bytes whose sha256 the headers announced does
 * the last chunk go out. Otherwise the stream fails, the response is cut short of its
 * Content-Length, and no client can take a file overwritten mid-send for a complete one.
 */
export class VerifiedBody extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | null = null;
  private bytes = 0;

  constructor(
    private readonly size: number,
    private readonly sha256: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const previous = this.held;
    this.held = chunk;
    done(null, previous ?? undefined);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes !== this.size) {
      done(new ChangedWhileSending(`read ${this.bytes} of ${this.size} bytes`));
      return;
    }
    if (this.hash.digest('hex') !== this.sha256) {
      done(new ChangedWhileSending('its sha256 is no longer the one announced'));
      return;
    }
    done(null, this.held ?? undefined);
  }
}
