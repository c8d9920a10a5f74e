import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentTypeFor, sendText } from '@cdn-lab/common';
import type { ErrorCode } from '@cdn-lab/protocol';
import { ageSeconds } from '../cache/object-age.js';
import type { Lease } from '../cache/object-store.js';
import { ERROR_CODE_HEADER } from '../cache/origin-client.js';
import type { ByteRange } from '../request/byte-pump.js';
import type { AnswerFraming } from '../request/request-lifecycle.js';
import { RequestError } from '../request/request-error.js';
import { TransferBroken } from '../request/transfer-broken.js';
import { objectHeaders, xCacheOf } from './object-headers.js';
import { chooseRange, ifRangeHolds, noneMatchHits } from './http-range.js';
import { ResponseSink } from './response-sink.js';

const STATUS_FOR: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  not_found: 404,
  origin_unavailable: 502,
  origin_error: 502,
  too_large: 502,
  draining: 503,
  loop_detected: 508,
};

/**
 * An HTTP answer: 200 or 206 with Content-Length, 304 for a matching If-None-Match, 416 for
 * a range past the end; HEAD gets the headers only. An object whose size the origin did not
 * announce is streamed as it arrives (200, chunked, no ranges). `Repr-Digest` carries the
 * origin's digest, or the replica's own once the object is whole. A request error before the
 * status line is answered with its status; after it, the connection is closed (a short body,
 * or a missing last chunk, is the signal).
 */
export class HttpAnswer implements AnswerFraming {
  readonly sink: ResponseSink;
  private status = 0;
  /** The body goes to the object's last byte, so its end must wait for the fill's checks. */
  private toTheEnd = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly servedBy: string,
  ) {
    this.sink = new ResponseSink(res);
  }

  head(lease: Lease): ByteRange | null {
    const { req, res } = this;
    const { body, target } = lease;
    const etag = body.meta.etag;
    const headers = objectHeaders(body, xCacheOf(lease), this.servedBy);
    // Last, as the fast path's pre-encoded head has it (see encoded-answer.ts).
    const age = { Age: ageSeconds(body, Date.now()) };
    if (noneMatchHits(req.headers['if-none-match'], etag)) {
      this.status = 304;
      res.writeHead(304, { ...headers, ...age }).end();
      return null;
    }
    const contentType = body.meta.contentType || contentTypeFor(target.path);
    const size = body.size;
    if (size === null) {
      this.status = 200;
      res.writeHead(200, { ...headers, 'Content-Type': contentType, ...age });
      this.toTheEnd = req.method !== 'HEAD';
      return this.toTheEnd ? { start: 0, end: null } : null;
    }
    const range = ifRangeHolds(single(req.headers['if-range']), etag)
      ? chooseRange(req.headers.range, size)
      : { kind: 'whole' as const };
    if (range.kind === 'unsatisfiable') {
      this.status = 416;
      sendText(req, res, 416, `${target.path} has ${size} bytes`, {
        ...headers,
        'Content-Range': `bytes */${size}`,
      });
      return null;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    this.status = range.kind === 'partial' ? 206 : 200;
    res.writeHead(this.status, {
      ...headers,
      'Content-Type': contentType,
      'Content-Length': end - start + 1,
      ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
      ...age,
    });
    this.toTheEnd = req.method !== 'HEAD' && end === size - 1;
    return req.method === 'HEAD' ? null : { start, end: end + 1 };
  }

  async finish(lease: Lease): Promise<void> {
    try {
      // The end of the body (the last chunk of a streamed one) vouches for it: only once checked.
      if (this.toTheEnd) await lease.body.completed();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new TransferBroken(`the origin fetch broke off: ${why}`);
    }
    if (!this.res.writableEnded) this.res.end();
  }

  fail(error: unknown): void {
    const { req, res } = this;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof RequestError) {
      this.status = STATUS_FOR[error.code] ?? 500;
      sendText(req, res, this.status, error.message, {
        'X-Served-By': this.servedBy,
        [ERROR_CODE_HEADER]: error.code,
      });
      return;
    }
    this.status = 500;
    sendText(req, res, 500, 'internal error', {
      Connection: 'close',
      [ERROR_CODE_HEADER]: 'internal',
    });
  }

  logFields(): Record<string, unknown> {
    return { status: this.status };
  }

  /** A pipelined response gets its socket, and writes what it holds, once those before it end. */
  whenWriting(then: () => void): void {
    if (this.res.socket) then();
    else this.res.once('socket', () => then());
  }

  settled(then: () => void): void {
    if (this.res.closed) then();
    else this.res.once('close', then);
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
