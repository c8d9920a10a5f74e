import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { contentTypeFor, sendText } from '@cdn-lab/common';
import type { ErrorCode } from '@cdn-lab/protocol';
import type { Lease } from '../cache/object-store.js';
import type { ByteRange } from '../request/byte-pump.js';
import type { AnswerFraming } from '../request/request-lifecycle.js';
import { RequestError } from '../request/request-error.js';
import { chooseRange, ifRangeHolds, noneMatchHits } from './http-range.js';
import { ResponseSink } from './response-sink.js';

const STATUS_FOR: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  not_found: 404,
  origin_unavailable: 502,
  origin_error: 502,
  too_large: 502,
  draining: 503,
};

/**
 * An HTTP answer: 200 or 206 with Content-Length, 304 for a matching If-None-Match, 416 for
 * a range past the end; HEAD gets the headers only. A request error before the status line is
 * answered with its status; after it, the connection is closed (a short body is the signal).
 */
export class HttpAnswer implements AnswerFraming {
  readonly sink: ResponseSink;
  private status = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly servedBy: string,
  ) {
    this.sink = new ResponseSink(res);
  }

  head(lease: Lease, size: number): ByteRange | null {
    const { req, res } = this;
    const { body, target } = lease;
    const etag = body.meta.etag;
    const headers: OutgoingHttpHeaders = {
      'X-Served-By': this.servedBy,
      'X-Cache': lease.status,
      'Accept-Ranges': 'bytes',
      ...(etag ? { ETag: etag } : {}),
      ...(body.meta.lastModified ? { 'Last-Modified': body.meta.lastModified } : {}),
    };
    if (noneMatchHits(req.headers['if-none-match'], etag)) {
      this.status = 304;
      res.writeHead(304, headers).end();
      return null;
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
      'Content-Type': body.meta.contentType || contentTypeFor(target.path),
      'Content-Length': end - start + 1,
      ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    return req.method === 'HEAD' ? null : { start, end: end + 1 };
  }

  finish(): void {
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
      sendText(req, res, this.status, error.message, { 'X-Served-By': this.servedBy });
      return;
    }
    this.status = 500;
    sendText(req, res, 500, 'internal error', { Connection: 'close' });
  }

  logFields(): Record<string, unknown> {
    return { status: this.status };
  }

  settled(then: () => void): void {
    if (this.res.closed) then();
    else this.res.once('close', then);
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
