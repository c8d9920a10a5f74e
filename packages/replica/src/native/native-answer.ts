import type { Lease } from '../cache/object-store.js';
import type { ByteRange } from '../request/byte-pump.js';
import { announcedSize } from '../request/announced-size.js';
import type { AnswerFraming } from '../request/request-lifecycle.js';
import { RequestError } from '../request/request-error.js';
import { TransferBroken } from '../request/transfer-broken.js';
import type { FrameWriter } from './frame-writer.js';

/**
 * A native answer: `object` (size, etag, digest when already known), data frames from the
 * asked offset, then `end` with the digest of the whole object. A request error is an error
 * frame and the connection stays usable; a failure after `object` closes the connection.
 * The origin's digest, when it sent one, goes in both (`originSha256`); `object.sha256` then
 * carries it already on a miss, so even an older client holds the bytes to it.
 */
export class NativeAnswer implements AnswerFraming {
  private objectSent = false;

  constructor(
    readonly sink: FrameWriter,
    private readonly offset: number,
    private readonly servedBy: string,
    private readonly closeConnection: () => void,
  ) {}

  async head(lease: Lease): Promise<ByteRange> {
    const size = await announcedSize(lease, this.sink.whenGone);
    if (this.offset > size) {
      throw new RequestError(
        'bad_request',
        `offset ${this.offset} is past the end of ${lease.target.path} (${size} bytes)`,
      );
    }
    const { body } = lease;
    const originSha256 = body.meta.originSha256 ?? null;
    this.sink.send({
      type: 'object',
      path: lease.target.path,
      size,
      offset: this.offset,
      etag: body.meta.etag,
      sha256: body.isComplete ? body.sha256 : originSha256,
      cache: lease.status,
      servedBy: this.servedBy,
      ...(originSha256 ? { originSha256 } : {}),
    });
    this.objectSent = true;
    return { start: this.offset, end: size };
  }

  async finish(lease: Lease): Promise<void> {
    const { body } = lease;
    try {
      // The digest is known once the fill has ended, which may be just after the last byte.
      await body.completed();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new TransferBroken(`the origin fetch broke off: ${why}`);
    }
    if (!this.sink.usable) throw new TransferBroken('the client went away');
    if (body.sha256 === null || body.size === null) {
      throw new TransferBroken('the object has no digest');
    }
    const originSha256 = body.meta.originSha256 ?? null;
    this.sink.send({
      type: 'end',
      size: body.size,
      sha256: body.sha256,
      ...(originSha256 ? { originSha256 } : {}),
    });
  }

  fail(error: unknown): void {
    if (error instanceof RequestError && !this.objectSent) {
      this.sink.send({ type: 'error', code: error.code, message: error.message });
    } else {
      this.closeConnection();
    }
  }

  logFields(): Record<string, unknown> {
    return {};
  }

  settled(then: () => void): void {
    then();
  }
}
