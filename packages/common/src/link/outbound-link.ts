import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LinkSpec } from '../topology/topology.js';
import { LinkSchedule, type LinkScheduleOptions } from './link-schedule.js';

/** With no bandwidth to size it by, the link holds this much before write() says wait. */
const UNLIMITED_QUEUE_CAP = 4 * 1024 * 1024;
const QUEUE_HEADROOM = 1024 * 1024;

type WriteCallback = (error?: Error | null) => void;

interface Queued {
  bytes: Buffer;
  releaseAt: number;
}

interface ReleaseMark {
  position: number;
  then: () => void;
}

/** What a link may hold before the writer is told to wait: what is in flight on it, and 1 MiB. */
export function linkQueueCap(link: LinkSpec): number {
  if (link.bytesPerSecond === null) return UNLIMITED_QUEUE_CAP;
  return Math.ceil((link.bytesPerSecond * 2 * link.delayMs) / 1000) + QUEUE_HEADROOM;
}

/**
 * Puts a link in front of everything a socket sends, in place: the socket stays the same
 * object (remoteAddress, cork/writev, setNoDelay, Node's HTTP server adopting it all work),
 * only its `_write`/`_writev`/`_final`/`_destroy` change. Each write is queued with its
 * release time (LinkSchedule) and handed to the socket's own write when due: one timer for the
 * queue's head, everything due at once in one writev, one hand-off at a time. The Writable's
 * callback comes at once while the queue holds less than its cap, and only as the queue drains
 * otherwise, so write() → false and 'drain' keep working; end() waits for the queue; destroy
 * drops it.
 */
export class OutboundLink {
  private readonly schedule: LinkSchedule;
  private readonly cap: number;
  private readonly queue: Queued[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private handingOff = false;
  private held: { callback: WriteCallback; bytes: number } | null = null;
  private pendingFinal: WriteCallback | null = null;
  private readonly marks: ReleaseMark[] = [];
  /** Bytes that entered the link. */
  private accepted = 0;
  /** Bytes the link has handed to the socket (they left the emulated queue). */
  released = 0;

  private readonly ownWrite: Socket['_write'];
  private readonly ownWritev: NonNullable<Socket['_writev']>;
  private readonly ownFinal: NonNullable<Socket['_final']>;
  private readonly ownDestroy: Socket['_destroy'];

  constructor(
    private readonly socket: Socket,
    readonly link: LinkSpec,
    options: LinkScheduleOptions = {},
  ) {
    this.schedule = new LinkSchedule(link, options);
    this.cap = linkQueueCap(link);
    this.ownWrite = socket._write;
    // Both are net.Socket's own; a Writable merely may have them.
    if (!socket._writev || !socket._final) throw new Error('a link needs a net.Socket');
    this.ownWritev = socket._writev;
    this.ownFinal = socket._final;
    this.ownDestroy = socket._destroy;
    socket._write = (chunk: Buffer | string, encoding: BufferEncoding, cb: WriteCallback) => {
      this.enqueue([bufferOf(chunk, encoding)], cb);
    };
    socket._writev = (chunks, cb) => {
      this.enqueue(
        chunks.map(({ chunk, encoding }) => bufferOf(chunk as Buffer | string, encoding)),
        cb,
      );
    };
    socket._final = (cb) => {
      this.pendingFinal = cb;
      this.finalIfEmpty();
    };
    socket._destroy = (error, cb) => {
      this.dropQueue();
      this.ownDestroy.call(socket, error, cb);
    };
  }

  /** Every byte the socket has been given to send, the link's queue and its buffer included. */
  get written(): number {
    return this.accepted - (this.held?.bytes ?? 0) + this.socket.writableLength;
  }

  /** Runs `then` once the byte at `position` (0-based, see `written`) has left the link. */
  whenReleased(position: number, then: () => void): void {
    if (position < this.released) then();
    else this.marks.push({ position, then });
  }

  private enqueue(pieces: Buffer[], cb: WriteCallback): void {
    const now = performance.now();
    let bytes = 0;
    for (const piece of pieces) {
      this.queue.push({ bytes: piece, releaseAt: this.schedule.releaseAt(piece.length, now) });
      bytes += piece.length;
    }
    this.accepted += bytes;
    this.queuedBytes += bytes;
    if (this.queuedBytes < this.cap) cb();
    else this.held = { callback: cb, bytes };
    this.armOrHandOff();
  }

  private armOrHandOff(): void {
    if (this.handingOff || this.timer !== null || this.queueHead >= this.queue.length) return;
    const head = this.queue[this.queueHead] as Queued;
    const wait = head.releaseAt - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(this.onTimer, Math.ceil(wait));
      return;
    }
    this.handOff();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.armOrHandOff();
  };

  /** Everything due leaves in one write; the next waits for the socket to take it. */
  private handOff(): void {
    const now = performance.now();
    const due: Buffer[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead] as Queued;
      if (next.releaseAt > now) break;
      due.push(next.bytes);
      bytes += next.bytes.length;
      this.queueHead += 1;
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.queuedBytes -= bytes;
    this.released += bytes;
    this.handingOff = true;
    const done = (error?: Error | null): void => this.handedOff(error);
    if (due.length === 1) {
      this.ownWrite.call(this.socket, due[0], 'buffer' as BufferEncoding, done);
    } else {
      const chunks = due.map((chunk) => ({ chunk, encoding: 'buffer' as BufferEncoding }));
      // Node's writev reads this flag to pass the buffers through unconverted.
      Object.assign(chunks, { allBuffers: true });
      this.ownWritev.call(this.socket, chunks, done);
    }
    this.fireMarks();
    if (this.held && this.queuedBytes < this.cap) {
      const { callback } = this.held;
      this.held = null;
      callback();
    }
  }

  private handedOff(error: Error | null | undefined): void {
    this.handingOff = false;
    if (error) {
      this.socket.destroy(error);
      return;
    }
    this.armOrHandOff();
    this.finalIfEmpty();
  }

  private fireMarks(): void {
    let fired = 0;
    while (
      fired < this.marks.length &&
      (this.marks[fired] as ReleaseMark).position < this.released
    ) {
      (this.marks[fired] as ReleaseMark).then();
      fired += 1;
    }
    if (fired > 0) this.marks.splice(0, fired);
  }

  private finalIfEmpty(): void {
    const final = this.pendingFinal;
    if (!final || this.handingOff || this.queueHead < this.queue.length) return;
    this.pendingFinal = null;
    this.ownFinal.call(this.socket, final);
  }

  private dropQueue(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.marks.length = 0;
    this.held = null;
    this.pendingFinal = null;
  }
}

function bufferOf(chunk: Buffer | string, encoding: BufferEncoding): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
}
