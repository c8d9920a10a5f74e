import { createHash, type Hash } from 'node:crypto';

/** What the origin said about an object, besides its bytes. */
export interface ObjectMeta {
  /** From Content-Length; null until the end when the origin did not send it. */
  size: number | null;
  etag: string | null;
  lastModified: string | null;
  /** The origin's Content-Type, when it sent one (for HTTP clients). */
  contentType?: string | null;
  /** The origin's Repr-Digest (hex sha256): the body is complete only if its bytes match it. */
  originSha256?: string | null;
}

/** The bytes the origin sent do not hash to the digest it announced. */
export class DigestMismatch extends Error {
  constructor(announced: string, got: string) {
    super(
      `the bytes from the origin hash to sha256 ${got.slice(0, 12)}…, its Repr-Digest said ${announced.slice(0, 12)}…`,
    );
    this.name = 'DigestMismatch';
  }
}

/** The replica stopped a fill itself (no reader left, shutting down): not its upstream's fault. */
export class FillStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FillStopped';
  }
}

/** How a fill can slow down or stop its origin stream (set by whoever pumps the bytes in). */
export interface FillSource {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

type State = 'filling' | 'complete' | 'failed';

const RELEASED = Buffer.alloc(0);
/** A pass-through fill (too big to cache) holds at most about this much unread data. */
const PASS_THROUGH_HIGH_WATER = 8 * 1024 * 1024;

/**
 * An object's bytes as a list of chunks that may still be growing. Every reader (cursor) walks
 * the same list by index, so each sees every chunk exactly once and nothing is copied per reader.
 * A retained body keeps all its chunks (it becomes a cache entry when it is also cacheable); a
 * pass-through body frees the chunks every cursor has passed and pauses the origin when its
 * readers fall behind. A fill that will not be cached stops when its last reader goes away.
 */
export class ObjectBody {
  readonly chunks: Buffer[] = [];
  received = 0;
  sha256: string | null = null;
  failure: Error | null = null;
  source: FillSource | null = null;
  /**
   * When the origin last vouched for these bytes (a fetch or a 304), an upstream cache's Age
   * taken off: the TTL and the Age header count from here.
   */
  fetchedAt = Date.now();
  /** Called when a retained body turns pass-through (see stopRetaining). */
  onPassThrough: (() => void) | null = null;
  private state: State = 'filling';
  private retaining: boolean;
  private cacheable: boolean;
  private sizeRefusal: Error | null = null;
  private hash: Hash | null = createHash('sha256');
  private wake: { promise: Promise<void>; resolve: () => void } | null = null;
  private readonly cursors = new Set<BodyCursor>();
  private releasedChunks = 0;
  private releasedBytes = 0;
  private paused = false;

  /** `cacheable`: the store may keep it once complete (false: e.g. a body nothing delimits). */
  constructor(
    readonly meta: ObjectMeta,
    retain: boolean,
    cacheable = retain,
  ) {
    this.retaining = retain;
    this.cacheable = cacheable;
  }

  get size(): number | null {
    return this.meta.size;
  }

  /** Keeps every chunk, so a reader may still start at byte 0. */
  get retain(): boolean {
    return this.retaining;
  }

  /** Becomes a cache entry once complete; otherwise nobody needs the fill without readers. */
  get isCacheable(): boolean {
    return this.retaining && this.cacheable;
  }

  /** Every announced byte has arrived; the body may still fail its checks at the end. */
  get allIn(): boolean {
    return this.meta.size !== null && this.received === this.meta.size;
  }

  get isComplete(): boolean {
    return this.state === 'complete';
  }

  get isFilling(): boolean {
    return this.state === 'filling';
  }

  /** True once a reader could start at byte 0 no more (a pass-through body freed chunks). */
  get hasReleased(): boolean {
    return this.releasedChunks > 0;
  }

  append(chunk: Buffer): void {
    if (this.state !== 'filling' || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.received += chunk.length;
    this.hash?.update(chunk);
    if (this.meta.size !== null && this.received > this.meta.size) {
      this.fail(new Error(`the origin sent more than the announced ${this.meta.size} bytes`));
      return;
    }
    // With every byte in, the origin stream must run on to its end, where the body is checked.
    const behind = this.received - this.releasedBytes > PASS_THROUGH_HIGH_WATER;
    if (!this.retaining && !this.allIn && behind) {
      this.paused = true;
      this.source?.pause();
    }
    this.notify();
  }

  finish(): void {
    if (this.state !== 'filling') return;
    if (this.meta.size !== null && this.received !== this.meta.size) {
      this.fail(
        new Error(`the origin ended after ${this.received} of ${this.meta.size} announced bytes`),
      );
      return;
    }
    const sha256 = this.hash?.digest('hex') ?? null;
    this.hash = null;
    const announced = this.meta.originSha256;
    if (announced && sha256 !== null && sha256 !== announced) {
      this.fail(new DigestMismatch(announced, sha256));
      return;
    }
    this.meta.size = this.received;
    this.sha256 = sha256;
    this.state = 'complete';
    this.notify();
  }

  /**
   * Stops keeping every chunk (a body of unannounced size grew past what may be held): it is
   * pass-through from now on, never cached, and a reader still waiting for the size is told
   * `whySizeUnknown`.
   */
  stopRetaining(whySizeUnknown: Error): void {
    if (!this.retaining || this.state !== 'filling') return;
    this.retaining = false;
    this.cacheable = false;
    this.sizeRefusal = whySizeUnknown;
    this.onPassThrough?.();
    if (this.cursors.size === 0)
      this.fail(new FillStopped('nobody reads an object too big to cache'));
    else this.cursorMoved();
    this.notify();
  }

  fail(error: Error): void {
    if (this.state !== 'filling') return;
    this.state = 'failed';
    this.failure = error;
    this.hash = null;
    this.source?.abort(error);
    this.notify();
  }

  /** Resolves at the next append, finish or failure. */
  changed(): Promise<void> {
    if (this.state !== 'filling') return Promise.resolve();
    if (!this.wake) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.wake = { promise, resolve };
    }
    return this.wake.promise;
  }

  /** Resolves once the size is known (at the headers, or at the end without Content-Length). */
  async sizeKnown(): Promise<number> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.meta.size !== null) return this.meta.size;
      if (this.sizeRefusal) throw this.sizeRefusal;
      await this.changed();
    }
  }

  /** Resolves once every byte is in (and the digest is known). */
  async completed(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.state === 'complete') return;
      await this.changed();
    }
  }

  openCursor(): BodyCursor {
    if (this.hasReleased) throw new Error('a pass-through body cannot be read from the start');
    const cursor = new BodyCursor(this);
    this.cursors.add(cursor);
    return cursor;
  }

  /** @internal called by cursors */
  cursorMoved(): void {
    if (this.retaining || this.cursors.size === 0) return;
    let lowest = Number.POSITIVE_INFINITY;
    for (const cursor of this.cursors) lowest = Math.min(lowest, cursor.index);
    while (this.releasedChunks < lowest && this.releasedChunks < this.chunks.length) {
      this.releasedBytes += (this.chunks[this.releasedChunks] as Buffer).length;
      this.chunks[this.releasedChunks] = RELEASED;
      this.releasedChunks += 1;
    }
    if (this.paused && this.received - this.releasedBytes <= PASS_THROUGH_HIGH_WATER / 2) {
      this.paused = false;
      this.source?.resume();
    }
  }

  /** @internal called by cursors */
  cursorClosed(cursor: BodyCursor): void {
    this.cursors.delete(cursor);
    if (this.cursors.size === 0 && this.state === 'filling' && !this.isCacheable) {
      this.fail(new FillStopped('every reader of an object that is not being cached went away'));
    } else {
      this.cursorMoved();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.resolve();
  }
}

/** One reader's position in a body. */
export class BodyCursor {
  index = 0;
  private skip = 0;
  private closed = false;

  constructor(private readonly body: ObjectBody) {}

  /** Starts reading at this byte offset instead of 0 (before the first next()). */
  seek(offset: number): void {
    this.skip = offset;
  }

  /**
   * The next piece if one can be had without waiting (a cached body, or bytes already in);
   * null when next() must be awaited: to wait, at the end, or to hear of a failure.
   */
  nextNow(): Buffer | null {
    while (!this.closed) {
      const chunk = this.body.chunks[this.index];
      // The last bytes wait for the end checks (size, the origin's digest): a client that has
      // every byte takes the object for complete.
      const last = this.index === this.body.chunks.length - 1 && this.body.allIn;
      if (chunk === undefined || (last && this.body.isFilling)) return null;
      this.index += 1;
      this.body.cursorMoved();
      if (this.skip >= chunk.length) {
        this.skip -= chunk.length;
        continue;
      }
      const piece = this.skip > 0 ? chunk.subarray(this.skip) : chunk;
      this.skip = 0;
      return piece;
    }
    return null;
  }

  /** The next piece of the object, or null at the end; throws if the fill failed. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      const piece = this.nextNow();
      if (piece !== null || this.closed) return piece;
      if (this.body.failure) throw this.body.failure;
      if (this.body.isComplete) return null;
      await this.body.changed();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.body.cursorClosed(this);
  }
}
