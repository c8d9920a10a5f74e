import { performance } from 'node:perf_hooks';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import type { LinkSpec } from '../topology/topology.js';
import { LinkSchedule, type RandomSource } from './link-schedule.js';
import { linkQueueCap } from './outbound-link.js';

interface Queued {
  bytes: Buffer;
  releaseAt: number;
}

/**
 * Incoming bytes through a link: each chunk is passed on at its LinkSchedule release time (one
 * timer for the queue's head). Chunks are taken at once while the queue holds less than its
 * cap, so the schedule counts from when they arrived; above it the source waits, and Node's
 * Transform holds the source back while the reader does not read.
 */
export class InboundLink extends Transform {
  private readonly schedule: LinkSchedule;
  private readonly cap: number;
  private readonly queue: Queued[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private held: TransformCallback | null = null;
  private pendingFlush: TransformCallback | null = null;

  constructor(
    readonly link: LinkSpec,
    random?: RandomSource,
  ) {
    super();
    this.schedule = new LinkSchedule(link, { random });
    this.cap = linkQueueCap(link);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.queue.push({
      bytes: chunk,
      releaseAt: this.schedule.releaseAt(chunk.length, performance.now()),
    });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes < this.cap) done();
    else this.held = done;
    this.arm();
  }

  override _flush(done: TransformCallback): void {
    if (this.queue.length === 0) done();
    else this.pendingFlush = done;
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.held = null;
    this.pendingFlush = null;
    done(error);
  }

  private arm(): void {
    const head = this.queue[0];
    if (this.timer !== null || !head) return;
    this.timer = setTimeout(
      this.release,
      Math.max(0, Math.ceil(head.releaseAt - performance.now())),
    );
  }

  private readonly release = (): void => {
    this.timer = null;
    const now = performance.now();
    let due = 0;
    while (due < this.queue.length && (this.queue[due] as Queued).releaseAt <= now) {
      const { bytes } = this.queue[due] as Queued;
      this.queuedBytes -= bytes.length;
      this.push(bytes);
      due += 1;
    }
    this.queue.splice(0, due);
    if (this.held && this.queuedBytes < this.cap) {
      const held = this.held;
      this.held = null;
      held();
    }
    if (this.queue.length > 0) this.arm();
    else if (this.pendingFlush) {
      const flush = this.pendingFlush;
      this.pendingFlush = null;
      flush();
    }
  };
}

/** `source` as it comes out of `link`; destroying either end destroys both. */
export function throughInboundLink(
  source: Readable,
  link: LinkSpec,
  random?: RandomSource,
): Readable {
  const linked = new InboundLink(link, random);
  pipeline(source, linked, () => {});
  return linked;
}
