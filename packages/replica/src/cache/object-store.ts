import type { Logger } from '@cdn-lab/common';
import type { ReplicaEventEmitter } from '../replica-events.js';
import type { CacheStatus } from '@cdn-lab/protocol';
import { pumpInto } from './fill.js';
import { LruCache, type CacheEntry } from './lru-cache.js';
import { ObjectBody, type BodyCursor } from './object-body.js';
import type { ObjectTarget } from './object-path.js';
import { originRetryDelayMs } from '../options.js';
import { OriginClient, OriginFailure, type OriginResponse } from './origin-client.js';
import type { OriginRedirectPolicy } from './origin-redirects.js';
import { RequestError } from '../request/request-error.js';

/** One request's hold on an object: how it was obtained, its bytes, and a reader of its own. */
export interface Lease {
  target: ObjectTarget;
  status: CacheStatus;
  body: ObjectBody;
  cursor: BodyCursor;
}

/** How long a stale copy is served without asking a failing origin again (at most the TTL). */
const STALE_RETRY_MS = 1000;

interface Resolution {
  status: CacheStatus;
  body: ObjectBody;
}

export interface ObjectStoreOptions {
  cacheBytes: number;
  ttlMs: number;
  originTimeoutMs: number;
  originTotalTimeoutMs: number;
  originRetries: number;
  maxObjectBytes: number;
  originRedirects: OriginRedirectPolicy;
  log: Logger;
  events: ReplicaEventEmitter;
}

/**
 * The pull-through cache: fresh entries are served from memory; a miss or a stale entry asks the
 * origin once however many requests want it at the same time (collapsed forwarding), and every
 * one of them reads the same growing body while it fills.
 */
/** Counted since start, for the admin status and metrics. */
export interface CacheCounters {
  hits: number;
  misses: number;
  evictions: number;
  originFetches: number;
}

export class ObjectStore {
  readonly counters: CacheCounters = { hits: 0, misses: 0, evictions: 0, originFetches: 0 };
  private readonly cache: LruCache;
  private readonly origin: OriginClient;
  private readonly pending = new Map<string, Promise<Resolution>>();
  private readonly fills = new Set<ObjectBody>();

  constructor(private readonly options: ObjectStoreOptions) {
    this.origin = new OriginClient(options.originTimeoutMs, options.originRedirects);
    this.cache = new LruCache(options.cacheBytes, (entry) => {
      this.counters.evictions += 1;
      options.log.info(
        { event: 'evict', path: entry.path, bytes: entry.size, cachedBytes: this.cache.totalBytes },
        'evicted the least recently used object',
      );
    });
  }

  get cachedObjects(): number {
    return this.cache.count;
  }

  get capacityBytes(): number {
    return this.options.cacheBytes;
  }

  get cachedBytes(): number {
    return this.cache.totalBytes;
  }

  /** The object's bytes for one reader; throws a RequestError when there are none to serve. */
  async open(target: ObjectTarget): Promise<Lease> {
    const entry = this.cache.get(target.url);
    if (entry && this.isFresh(entry)) {
      this.counters.hits += 1;
      this.options.log.info({ event: 'cache-hit', path: target.path }, 'cache hit');
      return { target, status: 'hit', body: entry.body, cursor: entry.body.openCursor() };
    }
    // Everything else asked for bytes the cache could not give at once (stale copies included).
    this.counters.misses += 1;
    let shared = this.pending.get(target.url);
    if (entry && !shared && Date.now() < entry.originRetryAt) {
      this.options.log.warn(
        { event: 'serve-stale', path: target.path, reason: 'the origin failed moments ago' },
        'serving the stale copy',
      );
      return { target, status: 'stale', body: entry.body, cursor: entry.body.openCursor() };
    }
    if (shared) {
      this.options.log.info({ event: 'collapsed', path: target.path }, 'joined an origin fetch');
    } else {
      shared = this.resolve(target, entry);
      this.pending.set(target.url, shared);
      const forget = (): void => {
        if (this.pending.get(target.url) === shared) this.pending.delete(target.url);
      };
      shared.then((resolution) => {
        if (!resolution.body.retain || !resolution.body.isFilling) forget();
        else resolution.body.completed().then(forget, forget);
      }, forget);
    }
    // Each waiter opens its cursor in the same microtask run that settles the shared promise,
    // before any chunk can arrive, so a pass-through body still has its first chunk for all.
    const resolution = await shared;
    return { target, ...resolution, cursor: resolution.body.openCursor() };
  }

  /** Aborts fills in progress and lets go of the origin's connections. */
  close(): void {
    for (const body of this.fills) body.fail(new Error('the replica is shutting down'));
    this.origin.close();
  }

  private isFresh(entry: CacheEntry): boolean {
    return Date.now() - entry.fetchedAt < this.options.ttlMs;
  }

  private async resolve(target: ObjectTarget, stale: CacheEntry | undefined): Promise<Resolution> {
    const { log, events } = this.options;
    const validators =
      stale && (stale.body.meta.etag ?? stale.body.meta.lastModified) !== null
        ? stale.body.meta
        : null;
    const conditional = validators !== null;
    log.info(
      { event: stale ? 'revalidate' : 'cache-miss', path: target.path },
      stale ? 'cached copy is older than the TTL' : 'cache miss',
    );
    log.info(
      { event: 'origin-fetch', path: target.path, url: target.url, conditional },
      'asking the origin',
    );
    this.counters.originFetches += 1;
    events.emit('origin-fetch', { path: target.path, url: target.url, conditional });
    let response: OriginResponse;
    try {
      response = await this.fetchWithRetries(target, validators);
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
      if (stale) {
        stale.originRetryAt = Date.now() + Math.min(this.options.ttlMs, STALE_RETRY_MS);
        log.warn(
          { event: 'serve-stale', path: target.path, reason: failure.message },
          'serving the stale copy',
        );
        return { status: 'stale', body: stale.body };
      }
      throw new RequestError(failure.code, `cannot fetch ${target.path}: ${failure.message}`);
    }
    return this.settle(target, stale, response);
  }

  /** Retries only when the origin could not be reached; an answer, even an error, is final. */
  private async fetchWithRetries(
    target: ObjectTarget,
    validators: Parameters<OriginClient['fetch']>[1],
  ): Promise<OriginResponse> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.origin.fetch(target.url, validators);
      } catch (error) {
        const unreachable = error instanceof OriginFailure && error.code === 'origin_unavailable';
        if (!unreachable || attempt >= this.options.originRetries) throw error;
        const delayMs = originRetryDelayMs(attempt + 1);
        this.options.log.info(
          {
            event: 'origin-retry',
            path: target.path,
            attempt: attempt + 1,
            delayMs,
            reason: error.message,
          },
          'origin unreachable; trying again',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  private settle(
    target: ObjectTarget,
    stale: CacheEntry | undefined,
    response: OriginResponse,
  ): Resolution {
    const { log } = this.options;
    if (response.kind === 'not-modified') {
      if (!stale) {
        throw new RequestError(
          'origin_error',
          `the origin answered 304 to a plain request for ${target.path}`,
        );
      }
      stale.fetchedAt = Date.now();
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
      throw new RequestError('not_found', `${target.path} does not exist on the origin`);
    }
    const { size, etag, lastModified, contentType, stream } = response;
    const { maxObjectBytes } = this.options;
    if (size !== null && size > maxObjectBytes) {
      stream.destroy();
      log.warn(
        { event: 'too-large', path: target.path, size, maxObjectBytes },
        'object over the size limit refused',
      );
      throw new RequestError(
        'too_large',
        `${target.path} is ${size} bytes; this replica serves objects of at most ${maxObjectBytes} bytes`,
      );
    }
    const retain = size === null || this.cache.fits(size);
    const body = new ObjectBody({ size, etag, lastModified, contentType }, retain);
    this.fills.add(body);
    pumpInto(stream, body, {
      idleTimeoutMs: this.options.originTimeoutMs,
      totalTimeoutMs: this.options.originTotalTimeoutMs,
      maxBytes: maxObjectBytes,
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

  private keep(target: ObjectTarget, body: ObjectBody, startedAt: number): void {
    const size = body.size ?? body.received;
    if (!body.retain) return;
    const kept = this.cache.set({
      path: target.path,
      url: target.url,
      body,
      size,
      fetchedAt: startedAt,
      originRetryAt: 0,
    });
    this.options.log.info(
      {
        event: kept ? 'cached' : 'pass-through',
        path: target.path,
        size,
        ms: Date.now() - startedAt,
        cachedBytes: this.cache.totalBytes,
      },
      kept ? 'object cached' : 'too big to cache',
    );
  }
}
