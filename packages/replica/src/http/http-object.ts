import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ErrorCode } from '@cdn-lab/protocol';
import type { ConnectionContext } from '../native/native-connection.js';
import { contentTypeOf } from './content-type.js';
import { INJECTED_ERROR } from '../faults/fault-injector.js';
import { chooseRange, ifRangeHolds, noneMatchHits } from './http-range.js';
import type { Lease } from '../cache/object-store.js';
import { RequestError, fetchFailure } from '../request/request-error.js';
import { TransferBroken } from '../native/native-transfer.js';

const STATUS_FOR: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  not_found: 404,
  origin_unavailable: 502,
  origin_error: 502,
  too_large: 502,
  draining: 503,
};

/** A short plain-text answer (errors, 304, 405 …); HEAD gets the headers only. */
export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = text === '' ? '' : `${text}\n`;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The object's path from a request target: origin-form, or absolute-form (a proxy request). */
function requestedPath(target: string): string | null {
  if (target === '/') return null;
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname === '/' && url.search === '' ? null : `${url.pathname}${url.search}`;
  } catch {
    throw new RequestError('bad_request', 'the request target must be a path starting with "/"');
  }
}

/** Resolves when the response can take more bytes, or is gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Answers one GET or HEAD from the same object store as the native protocol, so the cache,
 * collapsed forwarding and streaming while the origin fills all apply unchanged.
 */
export async function serveHttpObject(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ConnectionContext,
  peer: string,
): Promise<void> {
  const who = { 'X-Served-By': ctx.servedBy() };
  let lease: Lease | null = null;
  const startedAt = Date.now();
  let path = req.url ?? '/';
  ctx.transferStarted();
  try {
    const requested = requestedPath(req.url ?? '/');
    // "/" is the default object (what native and legacy clients get without a path); a
    // replica without one passes "/" to its origin like any other path.
    const target = ctx.resolver.resolve(
      requested === null && !ctx.resolver.defaultTarget ? '/' : requested,
    );
    path = target.path;
    ctx.log.info(
      {
        event: 'request',
        dialect: 'http',
        method: req.method,
        path,
        range: req.headers.range,
        peer,
      },
      'http request',
    );
    ctx.events.emit('request', { path, offset: 0, peer, dialect: 'http' });
    const askedAt = performance.now();
    await ctx.faults.delayRequest();
    if (ctx.faults.failsRequest()) throw new RequestError('internal', INJECTED_ERROR);
    lease = await ctx.store.open(target);
    ctx.meter.recordResponse(performance.now() - askedAt);
    const { body } = lease;
    let size: number;
    try {
      size = await body.sizeKnown();
    } catch (error) {
      throw fetchFailure(path, error);
    }
    const etag = body.meta.etag;
    const headers: OutgoingHttpHeaders = {
      ...who,
      'X-Cache': lease.status,
      'Accept-Ranges': 'bytes',
      ...(etag ? { ETag: etag } : {}),
      ...(body.meta.lastModified ? { 'Last-Modified': body.meta.lastModified } : {}),
    };
    if (noneMatchHits(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers).end();
      log(ctx, path, peer, 304, 0, startedAt, lease.status);
      return;
    }
    const range = ifRangeHolds(single(req.headers['if-range']), etag)
      ? chooseRange(req.headers.range, size)
      : { kind: 'whole' as const };
    if (range.kind === 'unsatisfiable') {
      sendText(req, res, 416, `${path} has ${size} bytes`, {
        ...headers,
        'Content-Range': `bytes */${size}`,
      });
      log(ctx, path, peer, 416, 0, startedAt, lease.status);
      return;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    const status = range.kind === 'partial' ? 206 : 200;
    res.writeHead(status, {
      ...headers,
      'Content-Type': contentTypeOf(path, body.meta.contentType),
      'Content-Length': end - start + 1,
      ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    ctx.events.emit('transfer-start', { path, offset: start, peer, dialect: 'http' });
    const bytes = req.method === 'HEAD' ? 0 : await streamRange(res, lease, start, end, ctx);
    res.end();
    log(ctx, path, peer, status, bytes, startedAt, lease.status);
    ctx.requestOutcome(null);
    ctx.events.emit('transfer-end', { path, bytes, ms: Date.now() - startedAt, ok: true });
  } catch (error) {
    failed(req, res, ctx, path, peer, lease !== null, error);
  } finally {
    lease?.cursor.close();
    // In flight until the response has left (or died), so a drain does not cut its last bytes.
    if (res.closed) ctx.transferEnded();
    else res.once('close', () => ctx.transferEnded());
  }
}

/** Writes bytes start..end (inclusive), waiting whenever the socket is full. */
async function streamRange(
  res: ServerResponse,
  lease: Lease,
  start: number,
  end: number,
  ctx: ConnectionContext,
): Promise<number> {
  const { cursor } = lease;
  cursor.seek(start);
  let remaining = end - start + 1;
  const cutAt = ctx.faults.resetPoint(remaining);
  const startedAt = Date.now();
  let sent = 0;
  while (remaining > 0) {
    let piece: Buffer | null;
    try {
      piece = await cursor.next();
    } catch (error) {
      throw new TransferBroken(`the origin fetch broke off: ${reason(error)}`);
    }
    if (piece === null) throw new TransferBroken('the object ended early');
    if (piece.length > remaining) piece = piece.subarray(0, remaining);
    if (res.destroyed) throw new TransferBroken('the client went away');
    if (cutAt !== null && sent + piece.length > cutAt) {
      res.write(piece.subarray(0, cutAt - sent));
      throw new TransferBroken('injected fault: resetRate', true);
    }
    for (const slice of ctx.faults.slices(piece)) {
      const roomLeft = res.write(slice);
      remaining -= slice.length;
      sent += slice.length;
      ctx.meter.recordBytes(slice.length);
      if (!roomLeft) await writable(res);
      await ctx.faults.pace(sent, startedAt);
    }
  }
  if (res.destroyed) throw new TransferBroken('the client went away');
  return end - start + 1;
}

function failed(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ConnectionContext,
  path: string,
  peer: string,
  leased: boolean,
  error: unknown,
): void {
  const why = reason(error);
  ctx.requestOutcome(error);
  if (leased) ctx.events.emit('transfer-end', { path, bytes: 0, ms: 0, ok: false, reason: why });
  if (error instanceof RequestError && !res.headersSent) {
    const status = STATUS_FOR[error.code] ?? 500;
    const event = error.code === 'not_found' ? 'not-found' : 'request-failed';
    ctx.log.info({ event, dialect: 'http', path, code: error.code, status, peer }, why);
    sendText(req, res, status, why, { 'X-Served-By': ctx.servedBy() });
    return;
  }
  const broken = error instanceof TransferBroken;
  ctx.log[broken ? 'warn' : 'error'](
    {
      event: broken ? 'transfer-broken' : 'internal-error',
      dialect: 'http',
      path,
      peer,
      reason: why,
    },
    broken ? 'closing mid-object' : 'unexpected failure',
  );
  // After the status line the only honest signal left is a short body: close the connection.
  if (res.headersSent) res.destroy();
  else sendText(req, res, 500, 'internal error', { Connection: 'close' });
}

function log(
  ctx: ConnectionContext,
  path: string,
  peer: string,
  status: number,
  bytes: number,
  startedAt: number,
  cache: string,
): void {
  ctx.log.info(
    {
      event: 'transfer-done',
      dialect: 'http',
      path,
      status,
      bytes,
      ms: Date.now() - startedAt,
      cache,
      peer,
    },
    'http answer sent',
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
