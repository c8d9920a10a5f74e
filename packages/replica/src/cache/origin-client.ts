import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import axios, { isAxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { parseReprDigest } from '@cdn-lab/common';
import { AnswerWatch } from './answer-watch.js';
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
    }
  | { kind: 'not-modified'; etag: string | null; originSha256: string | null }
  | { kind: 'not-found'; status: number };

/** The origin could not be asked (unavailable) or answered something unusable (error). */
export class OriginFailure extends Error {
  constructor(
    readonly code: 'origin_unavailable' | 'origin_error',
    message: string,
  ) {
    super(message);
    this.name = 'OriginFailure';
  }
}

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

function contentLength(headers: IncomingHttpHeaders): number | null {
  const text = headerText(headers, 'content-length');
  if (text === null || !/^\d+$/.test(text)) return null;
  const size = Number(text);
  return Number.isSafeInteger(size) ? size : null;
}

/** Fetches objects from the origin over HTTP(S) with axios, streaming the body. */
export class OriginClient {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });
  private readonly axios: AxiosInstance;

  constructor(
    readonly timeoutMs: number,
    private readonly redirects: OriginRedirectPolicy = 'off',
  ) {
    this.axios = axios.create({
      responseType: 'stream',
      // 304 and 404 are answers the cache handles, not exceptions.
      validateStatus: () => true,
      // Bytes must arrive as stored, so Content-Length and the digest describe what is sent.
      decompress: false,
      headers: { 'Accept-Encoding': 'identity' },
      timeout: timeoutMs,
      proxy: false,
      // Redirects are this client's decision (see getFollowingPolicy), never axios's.
      maxRedirects: 0,
      httpAgent: this.http,
      httpsAgent: this.https,
    });
  }

  /** `HEAD` asks for the head only: the response's stream then ends without a body. */
  async fetch(
    url: string,
    validators: Validators | null,
    method: 'GET' | 'HEAD' = 'GET',
  ): Promise<OriginResponse> {
    const headers: Record<string, string> = {};
    if (validators?.etag) headers['If-None-Match'] = validators.etag;
    else if (validators?.lastModified) headers['If-Modified-Since'] = validators.lastModified;
    const response = await this.getFollowingPolicy(url, headers, method);
    const stream = response.data;
    const responseHeaders = response.headers as IncomingHttpHeaders;
    const status = response.status;
    const originSha256 = parseReprDigest(responseHeaders['repr-digest']);
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
      };
    }
    stream.resume();
    if (status === 304) {
      return { kind: 'not-modified', etag: headerText(responseHeaders, 'etag'), originSha256 };
    }
    if (status === 404 || status === 410) return { kind: 'not-found', status };
    throw new OriginFailure(
      'origin_error',
      `the origin answered ${status} ${response.statusText || ''}`.trim(),
    );
  }

  /** The origin's answer once redirects are followed or refused as the policy says. */
  private async getFollowingPolicy(
    url: string,
    headers: Record<string, string>,
    method: 'GET' | 'HEAD',
  ): Promise<AxiosResponse<Readable>> {
    for (let current = url, hops = 0; ; hops += 1) {
      let response: AxiosResponse<Readable>;
      const watch = new AnswerWatch();
      try {
        response = await watch.run(() =>
          this.axios.request<Readable>({ url: current, method, headers }),
        );
      } catch (error) {
        // An answer that began is never retried as "unreachable" (origin_error is final).
        if (watch.answerStarted) throw new OriginFailure('origin_error', this.describeCut(error));
        throw new OriginFailure('origin_unavailable', this.describe(error));
      }
      const location = headerText(response.headers as IncomingHttpHeaders, 'location');
      const decision = redirectDecision(
        this.redirects,
        { first: url, current, hops },
        { status: response.status, location },
      );
      if (decision.kind === 'answer') return response;
      response.data.destroy();
      if (decision.kind === 'refuse') throw new OriginFailure('origin_error', decision.reason);
      current = decision.url;
    }
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private describeCut(error: unknown): string {
    if (isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')) {
      return `the origin began to answer but its response head was not complete within ${this.timeoutMs} ms`;
    }
    return `the origin's answer broke off before its head was complete: ${this.describe(error)}`;
  }

  private describe(error: unknown): string {
    if (isAxiosError(error)) {
      const code = error.code ?? '';
      if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
        return `no answer within ${this.timeoutMs} ms`;
      }
      const hint = NETWORK_HINTS[code] ?? error.message;
      // Name the host a lookup failed for: in Compose a stopped origin's name stops resolving.
      const host = hostOf(error.config?.url);
      return code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `${host}: ${hint}` : hint;
    }
    return error instanceof Error ? error.message : String(error);
  }
}
