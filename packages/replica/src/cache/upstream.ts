import type { Readable } from 'node:stream';
import type { Logger } from '@cdn-lab/common';
import { RequestError } from '../request/request-error.js';
import type { ReplicaEventEmitter } from '../replica-events.js';
import { originRetryDelayMs } from '../options.js';
import { FillStopped, type ObjectBody } from './object-body.js';
import type { ObjectTarget } from './object-path.js';
import {
  OriginClient,
  OriginFailure,
  type OriginResponse,
  type Validators,
} from './origin-client.js';
import type { ParentFetch } from './parent-health.js';
import type { Parent, ParentTier } from './parent-tier.js';

/** Where an answer came from, for X-Cache and the counters. */
export type UpstreamSource =
  | { kind: 'origin' }
  | { kind: 'parent'; id: string; cache: string | null }
  /** Parents are configured and none answered: the origin itself. */
  | { kind: 'origin-fallback' };

export interface UpstreamAnswer {
  response: OriginResponse;
  source: UpstreamSource;
}

/** Counted since start, for /status, the pong and the metrics. */
export interface UpstreamCounters {
  /** Requests to a parent (each attempt, failed ones included). */
  parentFetches: number;
  /** Requests to the origin itself, fallbacks included. */
  originFetches: number;
  /** Times no parent answered and the origin was asked instead. */
  originFallbacks: number;
  /** Times a parent failed and the next one, or the origin, was asked. */
  parentFailovers: number;
}

export interface UpstreamOptions {
  origin: OriginClient;
  /** The parent tier, when the replica has --parents. */
  parents: ParentTier | null;
  /** Whether a target's URL is its path under --origin (only those can be asked of parents). */
  underOrigin: (target: ObjectTarget) => boolean;
  /** Extra origin attempts when it cannot be reached. */
  originRetries: number;
  /** This replica's id, the last entry of the Via it sends. */
  selfId: () => string;
  log: Logger;
  /** One human line for the terminal: a parent failed, or answers again. */
  say?: ((line: string) => void) | undefined;
  events: ReplicaEventEmitter;
}

/**
 * Asks for an object upstream: the parents in rendezvous order on its key (each failure passes
 * to the next one), then the origin itself. 200, 304, 404 and 410 from a parent are final;
 * so is its origin_error (its origin's own error answer). Its origin_unavailable (or too_large)
 * sends this replica to the origin at once (the parent may be cut off from it); a loop_detected
 * passes to the next parent without counting against this one; anything else is that
 * parent's failure. A parent's 200 is judged by its body, once the fill ends (see filling()).
 * The answer has the shape the store settles.
 */
export class Upstream {
  readonly counters: UpstreamCounters = {
    parentFetches: 0,
    originFetches: 0,
    originFallbacks: 0,
    parentFailovers: 0,
  };

  /** Parents' 200s whose verdict waits for the body the store makes of them. */
  private readonly awaitingBody = new WeakMap<Readable, (body: ObjectBody) => void>();

  constructor(private readonly options: UpstreamOptions) {}

  get hasParents(): boolean {
    return this.options.parents !== null;
  }

  async fetch(
    target: ObjectTarget,
    validators: Validators | null,
    method: 'GET' | 'HEAD',
    via: readonly string[],
  ): Promise<UpstreamAnswer> {
    const { parents, underOrigin } = this.options;
    if (!parents || !underOrigin(target)) {
      return { response: await this.askOrigin(target, validators, method), source: ORIGIN };
    }
    const failures: string[] = [];
    const ranked = parents.rankedFor(target.path);
    let originRetries = this.options.originRetries;
    for (const [index, parent] of ranked.entries()) {
      const fetch = parent.health.admit();
      if (!fetch) {
        failures.push(`${parent.id}: failed, tried again in ${parent.health.retryInMs()} ms`);
        continue;
      }
      let response: OriginResponse;
      try {
        response = await this.askParent(parent, target, validators, method, via);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.push(`${parent.id}: ${reason}`);
        const said = error instanceof OriginFailure ? error.said : null;
        // The parent answered; what went wrong is upstream of it (or a cycle of parents files).
        if (said !== null && NOT_THE_PARENTS_FAULT.has(said)) {
          this.answered(parent, fetch);
          // Shown in /status, though not counted against it.
          parent.health.lastError = reason;
        } else {
          this.judgeFailure(parent, fetch, reason);
        }
        if (said === 'origin_error') throw error;
        if (said === 'origin_unavailable' || said === 'too_large') {
          // The next parent would say the same. It tried the origin with its retries already
          // (or has a smaller size limit): this replica asks it once, itself.
          originRetries = 0;
          break;
        }
        this.failedOver(parent, target, reason, ranked[index + 1]?.id ?? null);
        continue;
      }
      if (response.kind === 'ok' && method === 'GET')
        this.judgeByBody(parent, fetch, response.stream);
      else this.answered(parent, fetch);
      const cache = response.kind === 'not-found' ? null : response.upstreamCache;
      return { response, source: { kind: 'parent', id: parent.id, cache } };
    }
    this.counters.originFallbacks += 1;
    this.options.log.warn(
      { event: 'origin-fallback', path: target.path, parents: failures },
      ranked.length === 0
        ? 'the parents file lists no parent; asking the origin'
        : `no parent answered (${failures.join('; ')}); asking the origin`,
    );
    const response = await this.askOrigin(target, validators, method, originRetries);
    return { response, source: ORIGIN_FALLBACK };
  }

  /**
   * The store made a body of an upstream 200 and fills it from `stream`: a parent's answer is
   * judged by how that fill ends. Fills this replica stopped itself (no reader left, too large,
   * shutting down) are the parent's success: it was sending what was asked.
   */
  filling(stream: Readable, body: ObjectBody): void {
    const judge = this.awaitingBody.get(stream);
    if (!judge) return;
    this.awaitingBody.delete(stream);
    judge(body);
  }

  private judgeByBody(parent: Parent, fetch: ParentFetch, stream: Readable): void {
    this.awaitingBody.set(stream, (body) => {
      body.completed().then(
        () => this.answered(parent, fetch),
        (error: unknown) => {
          if (stoppedHere(error)) this.answered(parent, fetch);
          else this.judgeFailure(parent, fetch, `its body broke off: ${messageOf(error)}`);
        },
      );
    });
    // The store dropped the answer at its head (over the size limit): the parent did answer.
    stream.once('close', () => {
      if (this.awaitingBody.delete(stream)) this.answered(parent, fetch);
    });
  }

  private async askParent(
    parent: Parent,
    target: ObjectTarget,
    validators: Validators | null,
    method: 'GET' | 'HEAD',
    via: readonly string[],
  ): Promise<OriginResponse> {
    const url = `http://${parent.id}${target.path}`;
    const conditional = validators !== null;
    this.counters.parentFetches += 1;
    this.options.log.info(
      { event: 'parent-fetch', path: target.path, parent: parent.id, conditional, method },
      'asking a parent',
    );
    this.options.events.emit('parent-fetch', { path: target.path, parent: parent.id, conditional });
    const viaLine = [...via, `1.1 ${this.options.selfId()}`].join(', ');
    return parent.client.fetch(url, validators, method, { Via: viaLine });
  }

  private answered(parent: Parent, fetch: ParentFetch): void {
    if (parent.health.succeeded(fetch)) this.parentBack(parent);
  }

  private failedOver(
    parent: Parent,
    target: ObjectTarget,
    reason: string,
    next: string | null,
  ): void {
    this.counters.parentFailovers += 1;
    this.options.log.warn(
      {
        event: 'parent-failover',
        path: target.path,
        parent: parent.id,
        next: next ?? 'origin',
        reason,
      },
      `parent ${parent.id} failed; asking ${next ?? 'the origin'}`,
    );
  }

  /** A failure of the parent's own (no answer, a 5xx of its own, a broken body). */
  private judgeFailure(parent: Parent, fetch: ParentFetch, reason: string): void {
    if (!parent.health.failed(fetch, reason)) return;
    this.options.log.warn(
      {
        event: 'parent-failed',
        parent: parent.id,
        fetches: parent.health.fetches,
        failures: parent.health.failures,
        retryInMs: parent.health.retryInMs(),
        reason,
      },
      `parent ${parent.id} marked failed; not asked until it is tried again`,
    );
    this.options.say?.(
      `parent ${parent.id} failed (${reason}); asking the next one, trying it again in ${parent.health.retryInMs()} ms`,
    );
  }

  private parentBack(parent: Parent): void {
    const message = `parent ${parent.id} answers again; asking it again`;
    this.options.log.info({ event: 'parent-up', parent: parent.id }, message);
    this.options.say?.(message);
  }

  /** Retries only when the origin could not be reached; an answer, even an error, is final. */
  private async askOrigin(
    target: ObjectTarget,
    validators: Validators | null,
    method: 'GET' | 'HEAD',
    originRetries = this.options.originRetries,
  ): Promise<OriginResponse> {
    const { log, events, origin } = this.options;
    const conditional = validators !== null;
    log.info(
      {
        event: 'origin-fetch',
        path: target.path,
        url: target.url,
        conditional,
        wanted: wantedOf(method),
      },
      'asking the origin',
    );
    this.counters.originFetches += 1;
    events.emit('origin-fetch', { path: target.path, url: target.url, conditional });
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await origin.fetch(target.url, validators, method);
      } catch (error) {
        const unreachable = error instanceof OriginFailure && error.code === 'origin_unavailable';
        if (!unreachable || attempt >= originRetries) throw error;
        const delayMs = originRetryDelayMs(attempt + 1);
        log.info(
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

  close(): void {
    this.options.origin.close();
    this.options.parents?.stop();
  }
}

const ORIGIN: UpstreamSource = { kind: 'origin' };

/**
 * What a parent's error answer may say (X-CDN-Error) without counting against it: its origin
 * failed or could not be reached, or this replica's request made a cycle of parents files.
 */
const NOT_THE_PARENTS_FAULT: ReadonlySet<string> = new Set([
  'origin_error',
  'origin_unavailable',
  'too_large',
  'loop_detected',
]);

/** A fill this replica stopped itself, or refused over its own size limit. */
function stoppedHere(error: unknown): boolean {
  return (
    error instanceof FillStopped || (error instanceof RequestError && error.code === 'too_large')
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
const ORIGIN_FALLBACK: UpstreamSource = { kind: 'origin-fallback' };

function wantedOf(method: 'GET' | 'HEAD'): 'body' | 'head' {
  return method === 'HEAD' ? 'head' : 'body';
}
