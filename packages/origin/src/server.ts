import { EventEmitter } from 'node:events';
import { stat, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';
import {
  REPR_DIGEST_HEADER,
  contentTypeFor,
  endpointId,
  formatReprDigest,
  listen,
  UserError,
  type Logger,
} from '@cdn-lab/common';
import { etagFor, ifNoneMatchHits } from './etag.js';
import { FileChanging, FileDigests } from './file-digests.js';
import { ManifestDigests } from './manifest-digests.js';
import { openUnderRoot } from './open-under-root.js';
import { parseRequestTarget } from './request-target.js';
import { ChangedWhileSending, VerifiedBody } from './verified-body.js';

export interface OriginOptions {
  /** The directory whose files are served. */
  root: string;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; default 0 (a free port, read it back from the handle). */
  port?: number;
  /** JSON-lines event log; silent when absent. */
  log?: Logger;
}

export interface OriginRequestEvent {
  method: string;
  path: string;
  status: number;
}

export interface OriginEvents {
  request: [OriginRequestEvent];
}

export interface OriginHandle {
  /** Base URL, e.g. http://127.0.0.1:8080 (no trailing slash). */
  url: string;
  host: string;
  port: number;
  /** The root as given, resolved to an absolute real path. */
  root: string;
  /** Requests received so far. */
  readonly requests: number;
  events: EventEmitter<OriginEvents>;
  /** Stops accepting, lets in-flight responses finish, then resolves. */
  close(): Promise<void>;
}

const READ_CHUNK = 64 * 1024;

async function resolveRoot(root: string): Promise<string> {
  try {
    const stats = await stat(root);
    if (!stats.isDirectory()) throw new UserError(`root ${root} is not a directory`);
    return await realpath(root);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(`root ${root} does not exist`);
    }
    throw new UserError(`root ${root} cannot be read (${code ?? String(error)})`);
  }
}

function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headOnly: boolean,
  extraHeaders: Record<string, string> = {},
): number {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...extraHeaders,
  });
  res.end(headOnly ? undefined : body);
  return headOnly ? 0 : body.length;
}

/** Serves the files under `root` over HTTP (GET and HEAD) until close() is called. */
export async function startOrigin(options: OriginOptions): Promise<OriginHandle> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log;
  const realRoot = await resolveRoot(options.root);
  const digests = new FileDigests(await ManifestDigests.load(realRoot));
  const events = new EventEmitter<OriginEvents>();
  let requests = 0;
  let closing = false;

  /** Answers one request; resolves to the number of body bytes handed to the socket. */
  async function respond(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const method = req.method ?? '';
    const headOnly = method === 'HEAD';
    if (method !== 'GET' && method !== 'HEAD') {
      return sendText(res, 405, `${method} is not allowed; use GET or HEAD`, false, {
        Allow: 'GET, HEAD',
      });
    }
    const target = parseRequestTarget(req.url ?? '');
    if (!target.ok) return sendText(res, 400, `bad request: ${target.reason}`, headOnly);
    const opened = await openUnderRoot(realRoot, target.segments);
    if (opened.kind === 'missing') return sendText(res, 404, 'not found', headOnly);
    if (opened.kind === 'forbidden') return sendText(res, 403, 'forbidden', headOnly);

    const { handle, fsPath } = opened;
    let described;
    try {
      described = await digests.describe(fsPath, handle);
    } catch (error) {
      await handle.close();
      if (!(error instanceof FileChanging)) throw error;
      return sendText(res, 503, 'the file is being changed; try again', headOnly, {
        'Retry-After': '1',
      });
    }
    const { stats, sha256 } = described;
    const etag = etagFor(sha256);
    const validators = {
      ETag: etag,
      [REPR_DIGEST_HEADER]: formatReprDigest(sha256),
      'Last-Modified': stats.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
    };
    if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
      await handle.close();
      res.writeHead(304, validators);
      res.end();
      return 0;
    }
    res.writeHead(200, {
      'Content-Type': contentTypeFor(fsPath),
      'Content-Length': stats.size,
      ...validators,
    });
    if (headOnly || stats.size === 0) {
      await handle.close();
      res.end();
      return 0;
    }
    let sent = 0;
    // end is inclusive; it pins the body to the length already promised in the headers.
    const stream = handle.createReadStream({
      start: 0,
      end: stats.size - 1,
      highWaterMark: READ_CHUNK,
    });
    const verified = new VerifiedBody(stats.size, sha256);
    verified.on('data', (chunk: Buffer) => {
      sent += chunk.length;
    });
    try {
      await pipeline(stream, verified, res);
    } catch (error) {
      if (error instanceof ChangedWhileSending) {
        digests.distrust(fsPath);
        log?.warn(
          { event: 'file-changed', path: req.url, sent, size: stats.size, reason: error.message },
          'cut the response: the file changed while it was being sent',
        );
      } else {
        // The client went away or the file could not be read; the socket is already destroyed.
        log?.warn(
          { event: 'stream-error', path: req.url, error: String(error) },
          'stream ended early',
        );
      }
    }
    return sent;
  }

  const server = createServer((req, res) => {
    requests += 1;
    const started = performance.now();
    const method = req.method ?? '';
    const path = req.url ?? '';
    if (closing) res.setHeader('Connection', 'close');
    respond(req, res)
      .catch((error: unknown) => {
        log?.error({ event: 'request-error', path, error: String(error) }, 'request failed');
        if (!res.headersSent) return sendText(res, 500, 'internal error', method === 'HEAD');
        res.destroy();
        return 0;
      })
      .then(
        (bytes) => {
          const status = res.statusCode;
          const ms = Math.round((performance.now() - started) * 10) / 10;
          log?.info({ event: 'request', method, path, status, bytes, ms }, `${method} ${path}`);
          events.emit('request', { method, path, status });
          if (closing) server.closeIdleConnections();
        },
        () => undefined,
      );
  });

  await listen(server, host, options.port ?? 0, 'origin');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${endpointId(host, port)}`;
  log?.info({ event: 'listening', url, root: realRoot }, `origin listening on ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    host,
    port,
    root: realRoot,
    get requests() {
      return requests;
    },
    events,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        log?.info({ event: 'closing' }, 'origin stops accepting connections');
        server.close(() => {
          log?.info({ event: 'closed', requests }, 'origin closed');
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
