import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatReprDigest } from '@cdn-lab/common';

export interface OriginObjectOptions {
  etag?: string | null;
  /** False: no Content-Length (chunked), so the size is known only at the end. */
  contentLength?: boolean;
  /** Send Repr-Digest: true for the body's own sha256, or this hex sha256 (a wrong one, say). */
  digest?: boolean | string;
  /** Answer with this status and no body instead (a 500, say). */
  status?: number;
  /** Send this many bytes, then wait for `release` before sending the rest. */
  holdAfter?: number;
  release?: Promise<void>;
}

interface OriginObject extends OriginObjectOptions {
  body: Buffer;
}

export interface OriginRequest {
  path: string;
  conditional: boolean;
  status: number;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic bytes of a given size (a different pattern per seed). */
export function bytesOf(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = seed * 2654435761;
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A promise with its resolve function, for holding an origin response back. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * A tiny HTTP origin for tests: serves objects put into it, answers If-None-Match with 304,
 * counts every request, and can hold a response halfway until the test lets it go on.
 * Emits 'request' (OriginRequest) as each request arrives and 'body-sent' (path) after a body.
 */
export class TestOrigin extends EventEmitter {
  readonly requests: OriginRequest[] = [];
  private readonly objects = new Map<string, OriginObject>();
  private readonly server: Server;
  private port = 0;

  private constructor() {
    super();
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<TestOrigin> {
    const origin = new TestOrigin();
    origin.server.listen(0, '127.0.0.1');
    await once(origin.server, 'listening');
    origin.port = (origin.server.address() as AddressInfo).port;
    return origin;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  put(path: string, body: Buffer, options: OriginObjectOptions = {}): void {
    const etag = options.etag === undefined ? `"${sha256(body).slice(0, 16)}"` : options.etag;
    this.objects.set(path, { ...options, body, etag });
  }

  /** Requests for a path, and how many of them were answered with a body (200). */
  requestsFor(path: string): OriginRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  bodiesSent(path: string): number {
    return this.requestsFor(path).filter((request) => request.status === 200).length;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const object = this.objects.get(path);
    const ifNoneMatch = req.headers['if-none-match'];
    const conditional = ifNoneMatch !== undefined;
    const record = (status: number): void => {
      const request = { path, conditional, status };
      this.requests.push(request);
      this.emit('request', request);
    };
    if (!object) {
      record(404);
      res.writeHead(404, { 'Content-Length': '0' }).end();
      return;
    }
    if (object.status !== undefined) {
      record(object.status);
      res.writeHead(object.status, { 'Content-Length': '0' }).end();
      return;
    }
    const digest =
      object.digest === true ? sha256(object.body) : object.digest ? object.digest : null;
    const digestHeader: Record<string, string> = digest
      ? { 'Repr-Digest': formatReprDigest(digest) }
      : {};
    if (conditional && object.etag && ifNoneMatch === object.etag) {
      record(304);
      res.writeHead(304, { ETag: object.etag, ...digestHeader }).end();
      return;
    }
    record(200);
    const headers: Record<string, string> = { ...digestHeader };
    if (object.etag) headers['ETag'] = object.etag;
    if (object.contentLength !== false) headers['Content-Length'] = String(object.body.length);
    res.writeHead(200, headers);
    if (object.holdAfter !== undefined && object.release) {
      res.write(object.body.subarray(0, object.holdAfter));
      await object.release;
      res.end(object.body.subarray(object.holdAfter));
    } else {
      res.end(object.body);
    }
    this.emit('body-sent', path);
  }
}
