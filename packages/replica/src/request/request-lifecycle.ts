import type { CacheStatus } from '@cdn-lab/protocol';
import type { Lease } from '../cache/object-store.js';
import { INJECTED_ERROR } from '../faults/fault-injector.js';
import type { ServedClient } from '../regions/served-client.js';
import type { ServedDialect } from '../replica-events.js';
import type { ConnectionContext } from '../server/connection-context.js';
import type { ByteSink } from './byte-sink.js';
import { pumpBytes, type ByteRange, type PumpProgress } from './byte-pump.js';
import { RequestError } from './request-error.js';
import { logAnsweredLine, logRequestLine } from './request-lines.js';
import { loopRefusal } from './hop-check.js';
import { TransferBroken } from './transfer-broken.js';

/** One request as its dialect read it. */
export interface ObjectRequest {
  dialect: ServedDialect;
  /** The requested path; null asks for the default object. */
  path: string | null;
  /** Where the client wants the bytes to start (native resumes; others send 0). */
  offset: number;
  /** HTTP HEAD: the answer has no body, so an uncached object's body is not fetched for it. */
  headOnly?: boolean;
  peer: string;
  /** Extra fields for the request's log line (an HTTP method, a Range header). */
  details?: Record<string, unknown>;
  /** The connection's client region and link, when a topology places it (ctx.clientOf). */
  client?: ServedClient | null;
  /** When the request arrived (performance.now()), for the client region's first-byte time. */
  arrivedAt?: number;
  /** HTTP: the request's Via entries (caches it passed through), passed on to a parent. */
  via?: readonly string[];
  /** Native: the tiers the request says it passed through. */
  hops?: number;
}

/**
 * How one dialect frames an answer. The lifecycle calls head() once the object is open, pumps
 * the body into `sink`, then calls finish(); on any failure it calls fail().
 */
export interface AnswerFraming {
  readonly sink: ByteSink;
  /**
   * Answers the start (object frame, status line and headers) and says which bytes to send,
   * or null for an answer without a body (304, 416, HEAD). A dialect that must announce the
   * size first waits for it (announcedSize); one that can stream a body of unannounced size
   * does not. May throw a RequestError.
   */
  head(lease: Lease): ByteRange | null | Promise<ByteRange | null>;
  /** The body went out whole: close the answer (end frame, end of the HTTP body). */
  finish(lease: Lease): void | Promise<void>;
  /** Answers a failure in the dialect's words: an error frame or status, or a close. */
  fail(error: unknown): void;
  /** Fields for the answer's log line (an HTTP status). */
  logFields(): Record<string, unknown>;
  /** Runs `then` once the answer has left or died (an HTTP response's close). */
  settled(then: () => void): void;
  /**
   * Runs `then` just before the answer's first byte is given to the socket, for an answer that
   * may wait behind others (a pipelined HTTP response); absent: that is when head() is called.
   */
  whenWriting?(then: () => void): void;
}

const NO_VIA: readonly string[] = [];

/**
 * The replica's one request lifecycle, shared by every dialect: count it in flight, log it,
 * apply the request faults, open the object in the store, answer the head, pump the bytes,
 * finish, and report the outcome (log line, events, passive-health counters) exactly once.
 */
export async function serveObjectRequest(
  ctx: ConnectionContext,
  request: ObjectRequest,
  answer: AnswerFraming,
): Promise<void> {
  const { dialect, offset, peer } = request;
  const startedAt = Date.now();
  const progress: PumpProgress = { bytes: 0 };
  let path = request.path ?? '(default object)';
  let lease: Lease | null = null;
  const logged = ctx.requestLog.admits(startedAt);
  const client = request.client ?? null;
  const arrivedAt = client ? (request.arrivedAt ?? performance.now()) : 0;
  let firstByteMarked = false;
  client?.requested();
  ctx.transferStarted();
  try {
    const via = request.via ?? NO_VIA;
    if (via.length > 0 || request.hops !== undefined) {
      const hops = request.hops === undefined ? { via } : { via, hops: request.hops };
      const refusal = loopRefusal(hops, ctx.servedBy(), ctx.maxHops, ctx.isParent);
      if (refusal) throw refusal;
    }
    const target = ctx.resolver.resolve(request.path);
    path = target.path;
    if (logged) logRequestLine(ctx, { dialect, path, offset, peer }, request.details);
    ctx.events.emit('request', { path, offset, peer, dialect });
    const askedAt = performance.now();
    await ctx.faults.delayRequest();
    if (ctx.faults.failsRequest()) throw new RequestError('internal', INJECTED_ERROR);
    lease = await ctx.store.open(target, request.headOnly ? 'head' : 'body', via);
    ctx.meter.recordResponse(performance.now() - askedAt);
    if (client) {
      firstByteMarked = true;
      firstByteOf(client, arrivedAt, answer);
    }
    const range = await answer.head(lease);
    ctx.events.emit('transfer-start', { path, offset: range?.start ?? offset, peer, dialect });
    if (range) await pumpBytes(lease.cursor, range, answer.sink, ctx.meter, ctx.faults, progress);
    await answer.finish(lease);
    const ms = Date.now() - startedAt;
    if (logged) {
      const outcome = { bytes: progress.bytes, ms, cache: lease.status };
      logAnsweredLine(ctx, { dialect, path, offset, peer }, outcome, answer.logFields());
    }
    ctx.requestOutcome(null);
    ctx.events.emit('transfer-end', { path, bytes: progress.bytes, ms, ok: true, dialect });
  } catch (error) {
    ctx.requestOutcome(error);
    logFailure(ctx, request, path, lease?.status ?? null, error, logged);
    if (lease) {
      ctx.events.emit('transfer-end', {
        path,
        bytes: progress.bytes,
        ms: Date.now() - startedAt,
        ok: false,
        dialect,
        reason: reasonOf(error),
        ...(error instanceof RequestError ? { code: error.code } : {}),
      });
    }
    if (client && !firstByteMarked) firstByteOf(client, arrivedAt, answer);
    answer.fail(error);
  } finally {
    lease?.cursor.close();
    // In flight until the answer has left (or died), so a drain does not cut its last bytes.
    answer.settled(() => ctx.transferEnded());
  }
}

function firstByteOf(client: ServedClient, arrivedAt: number, answer: AnswerFraming): void {
  if (answer.whenWriting) answer.whenWriting(() => client.answerStarts(arrivedAt));
  else client.answerStarts(arrivedAt);
}

/** Failures are always logged, except a not-found the request log leaves out (`logged`). */
function logFailure(
  ctx: ConnectionContext,
  { dialect, peer }: ObjectRequest,
  path: string,
  cache: CacheStatus | null,
  error: unknown,
  logged: boolean,
): void {
  const reason = reasonOf(error);
  if (error instanceof RequestError) {
    const fields = { dialect, path, code: error.code, reason, peer };
    if (error.code === 'not_found') {
      if (logged) ctx.log.info({ event: 'not-found', ...fields }, reason);
    } else if (error.code === 'loop_detected') {
      ctx.log.warn({ event: 'loop-detected', ...fields }, 'refused a request that looped');
    } else ctx.log.warn({ event: 'request-failed', ...fields }, 'request failed');
  } else if (error instanceof TransferBroken) {
    ctx.log.warn(
      { event: 'transfer-broken', dialect, path, cache, peer, reason },
      'closing mid-object',
    );
  } else {
    ctx.log.error({ event: 'internal-error', dialect, path, peer, reason }, 'unexpected failure');
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
