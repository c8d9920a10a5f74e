import type { Logger } from '@cdn-lab/common';
import type { ReplicaEventEmitter } from '../replica-events.js';
import type { CacheStatus } from '@cdn-lab/protocol';
import { entryCostBytes, leastCostBytes, ownChunks } from './entry-cost.js';
import { pumpInto } from './fill.js';
import { LruCache, type CacheEntry } from './lru-cache.js';
import { FillStopped, ObjectBody, type BodyCursor } from './object-body.js';
import type { ObjectTarget } from './object-path.js';
import { NegativeCache } from './negative-cache.js';
import { fetchedAtFrom } from './object-age.js';
import { OriginFailure, type OriginResponse, type Validators } from './origin-client.js';
import { RequestError } from '../request/request-error.js';
import type { Upstream, UpstreamCounters, UpstreamSource } from './upstream.js';

type OriginOk = Extract<OriginResponse, { kind: 'ok' }>;

const NO_VIA: readonly string[] = [];

/** One request's hold on an object: how it was obtained, its bytes, and a reader of its own. */
export interface Lease {
  target: ObjectTarget;
  status: CacheStatus;
  body: ObjectBody;
  cursor: BodyCursor;
  /** Where a miss or revalidation came from (a parent, the origin); null: from the cache. */
  source: UpstreamSource | null;
}

/** How long a stale copy is served without asking a failing origin again (at most the TTL). */
const STALE_RETRY_MS = 1000;
/** The longest an origin's error answer (5xx) is repeated without asking it again. */
export const ORIGIN_ERROR_TTL_MS = 1000;

interface Resolution {
  status: CacheStatus;
  body: ObjectBody;
  source: UpstreamSource | null;
}

/** What the store made of an upstream answer; the resolution adds where it came from. */
type Settled = Omit<Resolution, 'source'>;

/** What a request needs of an object: its bytes, or (HTTP HEAD) only what the head says. */
export type Wanted = 'body' | 'head';

export interface ObjectStoreOptions {
  cacheBytes: number;
  ttlMs: number;
  /** How long a 404 is repeated without asking the origin (5xx: at most a second); 0: off. */
  negativeTtlMs: number;
  originTotalTimeoutMs: number;
  maxObjectBytes: number;
  /** Where misses are fetched from: the parents, then the origin. */
  upstream: Upstream;
  log: Logger;
  events: ReplicaEventEmitter;
}

/** Counted since start, for the admin status and metrics. */
export interface CacheCounters extends UpstreamCounters {
  hits: number;
  misses: number;
  evictions: number;
}

/**
 * The pull-through cache: fresh entries are served from memory; a miss or a stale entry asks
 * upstream (parents, then the origin) once however many requests want it at the same time
 * (collapsed forwarding), and every one of them reads the same growing body while it fills.
 */
export class ObjectStore {
  private readonly own = { hits: 0, misses: 0, evictions: 0 };
  private readonly cache: LruCache;
  private readonly upstream: Upstream;
  private readonly pending = new Map<string, Promise<Resolution>>();
  private readonly fills = new Set<ObjectBody>();
  private readonly negatives = new NegativeCache();
  /**
   * Until then the origin (or every parent) counts as unreachable, as it was moments ago: a
   * stale copy is served at once and an uncached object refused at once. Asking again would
   * only make each request wait for the retries to get the same answer (stale, or an error its
   * client fails over from to a replica that has a copy).
   */
  private unreachableUntil = 0;
  private unreachableReason = '';

  constructor(private readonly options: ObjectStoreOptions) {
    this.upstream = options.upstream;
    this.cache = new LruCache(options.cacheBytes, (entry) => {
      this.own.evictions += 1;
      options.log.info(
        {
          event: 'evict',
          path: entry.path,
          bytes: entry.size,
          cachedBytes: this.cache.totalBytes,
          usedBytes: this.cache.totalCost,
        },
        'evicted the least recently used object',
      );
    });
  }

  get counters(): CacheCounters {
    return { ...this.own, ...this.upstream.counters };
  }

  get cachedObjects(): number {
    return this.cache.count;
  }

  get capacityBytes(): number {
    return this.options.cacheBytes;
  }

  /** The cached objects' own bytes. */
  get cachedBytes(): number {
    return this.cache.totalBytes;
  }

  /** What the cached objects count against the capacity: bytes and per-entry bookkeeping. */
  get usedBytes(): number {
    return this.cache.totalCost;
  }

  /**
   * The object's bytes for one reader; throws a RequestError when there are none to serve.
   * `via`: the request's Via entries, passed on to a parent (see upstream.ts).
   */
  async open(
    target: ObjectTarget,
    wanted: Wanted = 'body',
    via: readonly string[] = NO_VIA,
  ): Promise<Lease> {
    const refused = this.negatives.get(target.url);
    if (refused) {
      this.options.log.info(
        { event: 'negative-hit', path: target.path, code: refused.code },
        'the origin refused this moments ago',
      );
      throw refused;
    }
    const entry = this.cache.get(target.url);
    if (entry && this.isFresh(entry)) {
      this.own.hits += 1;
      // The request's own log line says `cache: hit`; this one is for --log-level debug.
      this.options.log.debug({ event: 'cache-hit', path: target.path }, 'cache hit');
      const body = entry.body;
      return { target, status: 'hit', body, cursor: body.openCursor(), source: null };
    }
    // Everything else asked for bytes the cache could not give at once (stale copies included).
    this.own.misses += 1;
    let shared = this.pending.get(target.url);
    const now = Date.now();
    if (entry && !shared && (now < entry.originRetryAt || now < this.unreachableUntil)) {
      this.options.log.warn(
        { event: 'serve-stale', path: target.path, reason: 'the origin failed moments ago' },
        'serving the stale copy',
      );
      const body = entry.body;
      return { target, status: 'stale', body, cursor: body.openCursor(), source: null };
    }
    if (shared) {
      this.options.log.info({ event: 'collapsed', path: target.path }, 'joined an origin fetch');
    } else if (wanted === 'head' && !entry) {
      // Its own fetch, joined by nobody: others want the bytes it will not read.
      const resolution = await this.resolve(target, undefined, via, wanted);
      return { target, ...resolution, cursor: resolution.body.openCursor() };
    } else {
      shared = this.resolve(target, entry, via);
      this.pending.set(target.url, shared);
      const forget = (): void => {
        if (this.pending.get(target.url) === shared) this.pending.delete(target.url);
      };
      shared.then((resolution) => {
        const { body } = resolution;
        if (!body.retain || !body.isFilling) return forget();
        body.completed().then(forget, forget);
        // Once it stops keeping its first bytes, a newcomer cannot join it from byte 0.
        body.onPassThrough = forget;
      }, forget);
    }
    // Each waiter opens its cursor in the same microtask run that settles the shared promise,
    // before any chunk can arrive, so a pass-through body still has its first chunk for all.
    const resolution = await shared;
    return { target, ...resolution, cursor: resolution.body.openCursor() };
  }

  /**
   * A fresh cached copy, counted as a hit, without a lease: for the HTTP fast path, which
   * writes the whole body at once and keeps no cursor. Null when only open() can answer.
   */
  freshWhole(target: ObjectTarget, now: number, maxBytes: number): ObjectBody | null {
    const entry = this.cache.get(target.url);
    if (!entry || !this.isFresh(entry, now)) return null;
    // Without an announced size the general path streams it (chunked), so it stays there.
    if (entry.body.meta.size === null || entry.size > maxBytes) return null;
    this.own.hits += 1;
    return entry.body;
  }

  /** Asks the origin next time even if it refused `target` moments ago (a retry at start). */
  forgetRefusal(target: ObjectTarget): void {
    this.negatives.forget(target.url);
  }

  /** Aborts fills in progress and lets go of the origin's connections. */
  close(): void {
    for (const body of this.fills) body.fail(new FillStopped('the replica is shutting down'));
    this.upstream.close();
  }

  private isFresh(entry: CacheEntry, now = Date.now()): boolean {
    return now - entry.body.fetchedAt < this.options.ttlMs;
  }

  private async resolve(
    target: ObjectTarget,
    stale: CacheEntry | undefined,
    via: readonly string[],
    wanted: Wanted = 'body',
  ): Promise<Resolution> {
    const { log } = this.options;
    const unreachableForMs = this.unreachableUntil - Date.now();
    if (!stale && unreachableForMs > 0) {
      throw new RequestError(
        'origin_unavailable',
        `cannot fetch ${target.path}: ${this.unreachableReason} (moments ago; asked again in ${unreachableForMs} ms)`,
      );
    }
    const validators =
      stale && (stale.body.meta.etag ?? stale.body.meta.lastModified) !== null
        ? stale.body.meta
        : null;
    log.info(
      { event: stale ? 'revalidate' : 'cache-miss', path: target.path },
      stale ? 'cached copy is older than the TTL' : 'cache miss',
    );
    const headOnly = wanted === 'head';
    let response: OriginResponse;
    let source: UpstreamSource;
    try {
      const fetch = (asking: Validators | null, method: 'GET' | 'HEAD') =>
        this.upstream.fetch(target, asking, method, via);
      ({ response, source } = await fetch(validators, headOnly ? 'HEAD' : 'GET'));
      if (stale && changedDespite304(stale, response)) {
        log.warn(
          { event: 'revalidate-changed', path: target.path },
          "the origin's 304 names another digest than the cached copy's; fetching it whole",
        );
        ({ response, source } = await fetch(null, 'GET'));
      }
    } catch (error) {
      const failure =
        error instanceof OriginFailure ? error : new OriginFailure('origin_error', String(error));
      log.warn(
        {
          event: 'origin-error',
          path: target.path,
          url: target.url,
          code: failure.code,
          reason: failure.message,
        },
        'the origin failed',
      );
      if (failure.code === 'origin_unavailable') {
        this.unreachableUntil = Date.now() + STALE_RETRY_MS;
        this.unreachableReason = failure.message;
      }
      if (stale) {
        stale.originRetryAt = Date.now() + Math.min(this.options.ttlMs, STALE_RETRY_MS);
        log.warn(
          { event: 'serve-stale', path: target.path, reason: failure.message },
          'serving the stale copy',
        );
        return { status: 'stale', body: stale.body, source: null };
      }
      const refusal = new RequestError(
        failure.code,
        `cannot fetch ${target.path}: ${failure.message}`,
      );
      if (failure.code === 'origin_error') {
        const ttlMs = Math.min(this.options.negativeTtlMs, ORIGIN_ERROR_TTL_MS);
        this.negatives.remember(target.url, refusal, ttlMs);
      }
      throw refusal;
    }
    if (headOnly && response.kind === 'ok') return { ...this.headOnly(target, response), source };
    return { ...this.settle(target, stale, response), source };
  }

  /**
   * A HEAD of an uncached object is answered from the origin's own HEAD: no body is fetched,
   * so none is cached, and none pushed into buffers only to be thrown away. Without a size
   * the answer has no Content-Length, as a GET of that object would stream.
   */
  private headOnly(target: ObjectTarget, response: OriginOk): Settled {
    const { size, etag, lastModified, contentType, originSha256, stream } = response;
    stream.destroy();
    if (size !== null) this.refuseTooLarge(target, size);
    this.options.log.info(
      { event: 'head-only', path: target.path, size },
      "answered from the origin's HEAD; no body fetched",
    );
    return {
      status: 'miss',
      body: new ObjectBody({ size, etag, lastModified, contentType, originSha256 }, false),
    };
  }

  private settle(
    target: ObjectTarget,
    stale: CacheEntry | undefined,
    response: OriginResponse,
  ): Settled {
    const { log } = this.options;
    if (response.kind === 'not-modified') {
      if (!stale) {
        throw new RequestError(
          'origin_error',
          `the origin answered 304 to a plain request for ${target.path}`,
        );
      }
      stale.body.fetchedAt = fetchedAtFrom(response, Date.now(), this.options.ttlMs);
      stale.originRetryAt = 0;
      if (response.etag) stale.body.meta.etag = response.etag;
      log.info({ event: 'revalidated', path: target.path }, 'the origin confirmed the cached copy');
      return { status: 'revalidated', body: stale.body };
    }
    if (response.kind === 'not-found') {
      if (stale) this.cache.delete(target.url);
      log.info(
        { event: 'not-found', path: target.path, status: response.status },
        'the origin has no such object',
      );
      const missing = new RequestError('not_found', `${target.path} does not exist on the origin`);
      this.negatives.remember(target.url, missing, this.options.negativeTtlMs);
      throw missing;
    }
    const { size, etag, lastModified, contentType, originSha256, delimited, stream } = response;
    const { maxObjectBytes } = this.options;
    if (size !== null && size > maxObjectBytes) {
      stream.destroy();
      this.refuseTooLarge(target, size);
    }
    // An unannounced size is held while it could still be cached (a native client needs the
    // size before the bytes); a body only the closing connection ends is cached only when the
    // origin's digest can vouch for it, since a crash midway looks like a complete body.
    const retain = size === null || this.cache.fits(leastCostBytes(size));
    const cacheable = retain && (delimited || originSha256 !== null);
    const meta = { size, etag, lastModified, contentType, originSha256 };
    const body = new ObjectBody(meta, retain, cacheable);
    body.fetchedAt = fetchedAtFrom(response, Date.now(), this.options.ttlMs);
    this.fills.add(body);
    this.upstream.filling(stream, body);
    pumpInto(stream, body, {
      idleTimeoutMs: response.idleTimeoutMs,
      totalTimeoutMs: this.options.originTotalTimeoutMs,
      maxBytes: maxObjectBytes,
      holdBytes: Math.min(this.options.cacheBytes, maxObjectBytes),
    });
    const startedAt = Date.now();
    body.completed().then(
      () => {
        this.fills.delete(body);
        this.keep(target, body, startedAt);
      },
      (error: unknown) => {
        this.fills.delete(body);
        log.warn(
          {
            event: 'origin-error',
            path: target.path,
            url: target.url,
            reason: String(error instanceof Error ? error.message : error),
            received: body.received,
          },
          'the origin fetch broke off',
        );
      },
    );
    if (!retain) {
      log.info(
        { event: 'pass-through', path: target.path, size },
        'too big to cache; streaming it through',
      );
    }
    return { status: 'miss', body };
  }

  /** Throws too_large for an object announced over --max-object-bytes. */
  private refuseTooLarge(target: ObjectTarget, size: number): void {
    const { log, maxObjectBytes } = this.options;
    if (size <= maxObjectBytes) return;
    log.warn(
      { event: 'too-large', path: target.path, size, maxObjectBytes },
      'object over the size limit refused',
    );
    throw new RequestError(
      'too_large',
      `${target.path} is ${size} bytes; this replica serves objects of at most ${maxObjectBytes} bytes`,
    );
  }

  private keep(target: ObjectTarget, body: ObjectBody, startedAt: number): void {
    const size = body.size ?? body.received;
    if (body.retain && !body.isCacheable) {
      this.options.log.info(
        { event: 'not-cached', path: target.path, size },
        'no Content-Length and no digest: a body cut by a closed connection would look whole',
      );
    }
    if (!body.isCacheable) return;
    // The origin's response objects (HTTP response and request, their headers) stayed
    // reachable through the fill's controls; a kept body no longer needs them.
    body.source = null;
    ownChunks(body.chunks);
    const kept = this.cache.set({
      path: target.path,
      url: target.url,
      body,
      size,
      cost: entryCostBytes(target, body),
      originRetryAt: 0,
    });
    this.options.log.info(
      {
        event: kept ? 'cached' : 'pass-through',
        path: target.path,
        size,
        ms: Date.now() - startedAt,
        cachedBytes: this.cache.totalBytes,
        usedBytes: this.cache.totalCost,
      },
      kept ? 'object cached' : 'too big to cache',
    );
  }
}

/** A 304 whose Repr-Digest is not the cached copy's: the ETag matched, the content did not. */
function changedDespite304(stale: CacheEntry, response: OriginResponse): boolean {
  if (response.kind !== 'not-modified' || response.originSha256 === null) return false;
  const cached = stale.body.meta.originSha256 ?? stale.body.sha256;
  return cached !== null && cached !== response.originSha256;
}
