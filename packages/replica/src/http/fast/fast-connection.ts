import type { Socket } from 'node:net';
import { KEEP_ALIVE_TIMEOUT_MS, ReadBackpressure, type HttpConnection } from '@cdn-lab/common';
import type { ObjectTarget } from '../../cache/object-path.js';
import type { ConnectionContext } from '../../server/connection-context.js';
import type { DialectHandler } from '../../server/dialect-handler.js';
import type { ServedClient } from '../../regions/served-client.js';
import { loopRefusal, parseVia } from '../../request/hop-check.js';
import { logAnsweredLine, logRequestLine } from '../../request/request-lines.js';
import { requestedPath } from '../http-object.js';
import { FAST_ANSWER_MAX_BYTES, type EncodedAnswers } from './encoded-answer.js';
import type { IdleSweep, SweptConnection } from './idle-sweep.js';
import { readSimpleRequest } from './simple-request.js';

/** What a fast connection shares with the replica's HTTP side. */
export interface FastPathParts {
  ctx: ConnectionContext;
  answers: EncodedAnswers;
  sweep: IdleSweep;
  /** Node's server takes the connection over for good (its bytes put back first). */
  handOver(socket: Socket, peer: string): HttpConnection;
  /** One answer went out on the fast path. */
  answered(): void;
}

/**
 * An HTTP connection served without Node's parser while its requests are plain GETs of whole
 * cached objects (and no fault is set, and the replica is not draining): each answer is one
 * pre-encoded head and the object's chunks, written in the same turn as the request arrived,
 * pipelined answers in one write. At the first request that is anything else — or a head cut
 * across reads — the connection goes to Node's server with that request, for good, so every
 * unusual request keeps its exact behaviour.
 */
export class FastHttpConnection implements DialectHandler, SweptConnection {
  private general: HttpConnection | null = null;
  private readonly backpressure: ReadBackpressure;
  private readonly hasDefaultObject: boolean;
  /** The client's region and link, with a topology; its answers are counted there too. */
  private readonly client: ServedClient | null;
  /** When a request last arrived, or answers waiting to be read last moved. */
  private lastActiveAt = Date.now();
  private lastWaiting = 0;

  constructor(
    private readonly socket: Socket,
    private readonly peer: string,
    private readonly parts: FastPathParts,
  ) {
    this.hasDefaultObject = parts.ctx.resolver.defaultTarget !== null;
    this.client = parts.ctx.clientOf(socket);
    this.backpressure = new ReadBackpressure(socket);
    // As Node's HTTP server does: an answer's last segment is not held back for an ACK.
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.once('close', () => parts.sweep.delete(this));
    parts.sweep.add(this);
    socket.resume();
  }

  drainStarted(): void {
    if (this.general) {
      this.general.drainStarted();
      return;
    }
    // What was answered still goes out; a request arriving after this gets the close.
    this.socket.off('data', this.onData);
    this.parts.sweep.delete(this);
    this.socket.end();
  }

  /** Idle past the keep-alive timeout: closed, as Node's server closes one; stalled past the idle timeout: cut. */
  sweep(now: number): void {
    if (this.general) return;
    const { socket } = this;
    const waiting = socket.writableLength;
    if (waiting !== this.lastWaiting) {
      this.lastWaiting = waiting;
      if (waiting > 0) this.lastActiveAt = now;
    }
    const idleMs = now - this.lastActiveAt;
    if (
      waiting === 0
        ? idleMs >= KEEP_ALIVE_TIMEOUT_MS
        : idleMs >= this.parts.ctx.limits.idleTimeoutMs
    ) {
      socket.destroy();
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    const { socket } = this;
    const { limits } = this.parts.ctx;
    const now = Date.now();
    const arrivedAt = this.client ? performance.now() : 0;
    this.lastActiveAt = now;
    let at = 0;
    let answered = 0;
    let corked = false;
    while (at < chunk.length) {
      const request = readSimpleRequest(chunk, at, limits);
      if (request.kind !== 'simple') break;
      if (!corked && request.end < chunk.length) {
        // Pipelined answers leave in one write.
        socket.cork();
        corked = true;
      }
      if (!this.answer(request.target, request.via, now, arrivedAt)) break;
      answered += 1;
      at = request.end;
    }
    if (corked) socket.uncork();
    if (answered > 0 && socket.writableLength > 0) {
      // In flight until the kernel has it all, so a drain does not cut it.
      this.parts.ctx.transferStarted();
      socket.write(NOTHING, this.onFlushed);
    }
    if (at < chunk.length) this.handOver(chunk.subarray(at));
    else this.backpressure.afterChunk();
  };

  private readonly onFlushed = (): void => this.parts.ctx.transferEnded();

  /**
   * Writes the answer to a plain GET of `target`; false when only the general path can (a
   * request the loop check refuses included: the general path answers its 508 and logs it).
   */
  private answer(target: string, via: string | null, now: number, arrivedAt: number): boolean {
    const { ctx } = this.parts;
    if (!ctx.faults.quiet || ctx.isDraining()) return false;
    const refused =
      via !== null &&
      loopRefusal({ via: parseVia(via) }, ctx.servedBy(), ctx.maxHops, ctx.isParent);
    if (refused) {
      return false;
    }
    let resolved: ObjectTarget;
    try {
      resolved = ctx.resolver.resolve(requestedPath(target, this.hasDefaultObject));
    } catch {
      return false;
    }
    const body = ctx.store.freshWhole(resolved, now, FAST_ANSWER_MAX_BYTES);
    if (!body) return false;
    const size = body.received;
    const { socket, peer } = this;
    const { events, meter } = ctx;
    const path = resolved.path;
    // Built only for a request the log lets through.
    const line = ctx.requestLog.admits(now)
      ? ({ dialect: 'http', path, offset: 0, peer } as const)
      : null;
    if (line) logRequestLine(ctx, line, { method: 'GET' });
    if (events.listenerCount('request') > 0) {
      events.emit('request', { path, offset: 0, peer, dialect: 'http' });
    }
    meter.recordResponse(0, now);
    if (events.listenerCount('transfer-start') > 0) {
      events.emit('transfer-start', { path, offset: 0, peer, dialect: 'http' });
    }
    const answer = this.parts.answers.answerFor(body, resolved, size, now);
    if (this.client) {
      this.client.requested();
      this.client.answerStarts(arrivedAt);
    }
    if (Buffer.isBuffer(answer)) {
      socket.write(answer);
    } else {
      socket.cork();
      for (const piece of answer) socket.write(piece);
      socket.uncork();
    }
    meter.recordBytes(size, now);
    this.parts.answered();
    if (line) logAnsweredLine(ctx, line, { bytes: size, ms: 0, cache: 'hit' }, { status: 200 });
    ctx.requestOutcome(null);
    if (events.listenerCount('transfer-end') > 0) {
      events.emit('transfer-end', { path, bytes: size, ms: 0, ok: true, dialect: 'http' });
    }
    return true;
  }

  private handOver(rest: Buffer): void {
    const { socket } = this;
    socket.pause();
    socket.off('data', this.onData);
    this.parts.sweep.delete(this);
    socket.unshift(rest);
    this.general = this.parts.handOver(socket, this.peer);
  }
}

const NOTHING = Buffer.alloc(0);
