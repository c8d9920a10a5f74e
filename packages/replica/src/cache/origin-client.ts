import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseReprDigest, throughInboundLink, type LinkSpec } from '@cdn-lab/common';
import { AnswerWatch } from './answer-watch.js';
import { parseAge } from './object-age.js';
import { redirectDecision, type OriginRedirectPolicy } from './origin-redirects.js';

/** What the replica remembers to ask "has it changed?" (conditional request). */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type OriginResponse =
  | {
      kind: 'ok';
      size: number | null;
      etag: string | null;
      lastModified: string | null;
      contentType: string | null;
      /** The origin's Repr-Digest as hex sha256: what the bytes must hash to. */
      originSha256: string | null;
      /**
       * False for a body that ends when the connection closes (no Content-Length, not chunked):
       * an origin that crashed midway and a complete body look the same.
       */
      delimited: boolean;
      stream: Readable;
      /** The first word of the answer's X-Cache (a parent replica's cache status), or null. */
      upstreamCache: string | null;
      /** The body fails when nothing arrives for this long (the client's timeout). */
      idleTimeoutMs: number;
      /** The answer's Age: how long its copy has been in caches upstream (null: none said). */
      ageSeconds: number | null;
    }
  | {
      kind: 'not-modified';
      etag: string | null;
      originSha256: string | null;
      upstreamCache: string | null;
      ageSeconds: number | null;
    }
  | { kind: 'not-found'; status: number };

/** The header a replica's error answer names its error code in (origin_error, draining, …). */
export const ERROR_CODE_HEADER = 'X-CDN-Error';

/** The origin could not be asked (unavailable) or answered something unusable (error). */
export class OriginFailure extends Error {
  constructor(
    readonly code: 'origin_unavailable' | 'origin_error',
    message: string,
    /** An error answer's X-CDN-Error: what a parent replica says went wrong; null: none. */
    readonly said: string | null = null,
  ) {
    super(message);
    this.name = 'OriginFailure';
  }
}

/** Network error hints; `the origin` is replaced by a parent's name for a parent. */
const NETWORK_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the origin running?)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (DNS is not answering)',
  ECONNRESET: 'the origin reset the connection',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
};

function hostOf(url: string | undefined): string {
  try {
    return `origin host "${new URL(url ?? '').hostname}"`;
  } catch {
    return 'the origin host';
  }
}

function headerText(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `miss; parent=… (hit)` → `miss`: what the upstream's own cache did. */
function firstWord(text: string | null): string | null {
  if (text === null) return null;
  return /^[A-Za-z-]+/.exec(text.trim())?.[0] ?? null;
}

function contentLength(headers: IncomingHttpHeaders): number | null {
  const text = headerText(headers, 'content-length');
  if (text === null || !/^\d+$/.test(text)) return null;
  const size = Number(text);
  return Number.isSafeInteger(size) ? size : null;
}

/** An origin response: its head, and its body (through the emulated link, when there is one). */
interface OriginAnswer {
  response: IncomingMessage;
  body: Readable;
}

/** One way across a link: its delay and a draw of its jitter. */
function oneWayMs(link: LinkSpec): number {
  return link.delayMs + Math.random() * link.jitterMs;
}

/** No response head within the client's timeout (counted from the request's start). */
class HeadTimeout extends Error {
  readonly code = 'ETIMEDOUT';
}

/**
 * Fetches objects from the origin over HTTP(S) with Node's own client, streaming the body:
 * every status is an answer (304 and 404 are for the cache to handle), bytes arrive as stored
 * (no decompression, `Accept-Encoding: identity`), no proxy, and redirects are this client's
 * decision (getFollowingPolicy). Node's client instead of axios: axios and what it loads were
 * 15 MB of every replica's resident memory (bench B7).
 */
export class OriginClient {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });
  private inFlight = 0;
  private retired = false;

  constructor(
    readonly timeoutMs: number,
    private readonly redirects: OriginRedirectPolicy = 'off',
    private readonly link: LinkSpec | null = null,
    /** Who answers, in messages: `the origin`, or `parent 127.0.2.1:9000`. */
    private readonly who = 'the origin',
  ) {}

  /**
   * One request; resolves at the response head, which must come within the timeout. Across an
   * emulated link the request leaves one way's delay late, the head arrives one way's delay
   * late, and the body comes through the link (delay, pacing, loss) from when it arrived.
   */
  private async request(
    url: string,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
  ): Promise<OriginAnswer> {
    const link = this.link;
    if (!link) {
      const response = await this.send(url, method, headers);
      return { response, body: response };
    }
    await sleep(oneWayMs(link));
    const response = await this.send(url, method, headers);
    const body = throughInboundLink(response, link);
    await sleep(oneWayMs(link));
    return { response, body };
  }

  private send(
    url: string,
    method: 'GET' | 'HEAD',
    headers: Record<string, string>,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const secure = url.startsWith('https:');
      const send = secure ? httpsRequest : httpRequest;
      const req = send(url, {
        method,
        headers: { ...headers, 'Accept-Encoding': 'identity' },
        agent: secure ? this.https : this.http,
      });
      this.inFlight += 1;
      // A request is done once its response is read or dropped (or it failed): see retire().
      req.once('close', () => {
        this.inFlight -= 1;
        if (this.retired && this.inFlight === 0) this.close();
      });
      const timer = setTimeout(() => req.destroy(new HeadTimeout()), this.timeoutMs);
      req.once('response', (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end();
    });
  }

  /**
   * `HEAD` asks for the head only: the response's stream then ends without a body. `extra`
   * headers go with the request (a parent gets `Via`).
   */
  async fetch(
    url: string,
    validators: Validators | null,
    method: 'GET' | 'HEAD' = 'GET',
    extra: Record<string, string> = {},
  ): Promise<OriginResponse> {
    const headers: Record<string, string> = { ...extra };
    if (validators?.etag) headers['If-None-Match'] = validators.etag;
    else if (validators?.lastModified) headers['If-Modified-Since'] = validators.lastModified;
    const { response, body: stream } = await this.getFollowingPolicy(url, headers, method);
    const responseHeaders = response.headers;
    const status = response.statusCode ?? 0;
    const originSha256 = parseReprDigest(responseHeaders['repr-digest']);
    const upstreamCache = firstWord(headerText(responseHeaders, 'x-cache'));
    const ageSeconds = parseAge(responseHeaders.age);
    if (status === 200) {
      const size = contentLength(responseHeaders);
      return {
        kind: 'ok',
        size,
        etag: headerText(responseHeaders, 'etag'),
        lastModified: headerText(responseHeaders, 'last-modified'),
        contentType: headerText(responseHeaders, 'content-type'),
        originSha256,
        delimited:
          size !== null || /chunked/i.test(headerText(responseHeaders, 'transfer-encoding') ?? ''),
        stream,
        upstreamCache,
        idleTimeoutMs: this.timeoutMs,
        ageSeconds,
      };
    }
    stream.resume();
    if (status === 304) {
      const etag = headerText(responseHeaders, 'etag');
      return { kind: 'not-modified', etag, originSha256, upstreamCache, ageSeconds };
    }
    if (status === 404 || status === 410) return { kind: 'not-found', status };
    const said = headerText(responseHeaders, ERROR_CODE_HEADER.toLowerCase());
    const answered = `${this.who} answered ${status} ${response.statusMessage || ''}`.trim();
    throw new OriginFailure('origin_error', said ? `${answered} (${said})` : answered, said);
  }

  /** The origin's answer once redirects are followed or refused as the policy says. */
  private async getFollowingPolicy(
    url: string,
    headers: Record<string, string>,
    method: 'GET' | 'HEAD',
  ): Promise<OriginAnswer> {
    for (let current = url, hops = 0; ; hops += 1) {
      let answer: OriginAnswer;
      const watch = new AnswerWatch();
      try {
        answer = await watch.run(() => this.request(current, method, headers));
      } catch (error) {
        // An answer that began is never retried as "unreachable" (origin_error is final).
        if (watch.answerStarted)
          throw new OriginFailure('origin_error', this.describeCut(error, current));
        throw new OriginFailure('origin_unavailable', this.describe(error, current));
      }
      const { response } = answer;
      const location = headerText(response.headers, 'location');
      const decision = redirectDecision(
        this.redirects,
        { first: url, current, hops },
        { status: response.statusCode ?? 0, location },
      );
      if (decision.kind === 'answer') return answer;
      answer.body.destroy();
      if (decision.kind === 'refuse') throw new OriginFailure('origin_error', decision.reason);
      current = decision.url;
    }
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  /** Closes the client once its requests in flight are done (their bodies read or dropped). */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.close();
  }

  private describeCut(error: unknown, url: string): string {
    if (error instanceof HeadTimeout) {
      return `${this.who} began to answer but its response head was not complete within ${this.timeoutMs} ms`;
    }
    return `${this.who}'s answer broke off before its head was complete: ${this.describe(error, url)}`;
  }

  private describe(error: unknown, url: string): string {
    if (error instanceof HeadTimeout) return `no answer within ${this.timeoutMs} ms`;
    if (!(error instanceof Error)) return String(error);
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const known = NETWORK_HINTS[code];
    const hint = known ? known.replace('the origin', this.who) : error.message;
    // Name the host a lookup failed for: in Compose a stopped origin's name stops resolving.
    return code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `${hostOf(url)}: ${hint}` : hint;
  }
}
