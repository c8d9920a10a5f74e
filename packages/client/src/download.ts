import { setTimeout as delay } from 'node:timers/promises';
import { openEventLog, type Logger } from '@cdn-lab/common';
import type { CacheStatus, Endpoint, ErrorCode, RouteOkMessage } from '@cdn-lab/protocol';
import type { FailureKind } from './connection.js';
import { ClientError, type ClientErrorCode } from './errors.js';
import { describePath, fetchPart, type PartOptions, type PartOutcome } from './fetch-part.js';
import { DEFAULT_TIMEOUT_MS, requestRoute, type BalancerAddress, type Router } from './route.js';
import type { RegionBinding } from './region-binding.js';
import { openSink, type SinkTarget } from './sink.js';
import { TransferState } from './transfer-state.js';
import { splicedMismatch, verify, type Verified } from './verify.js';

export interface DownloadProgress {
  /** Bytes of the object received so far (the resume offset). */
  received: number;
  /** The object's size, once a replica announced it. */
  size: number | null;
}

export interface DownloadOptions {
  balancer: BalancerAddress;
  /** The object's path (starts with '/'); null asks for the replicas' default object. */
  path: string | null;
  /** A file path, '-' for stdout, or null to only hash and verify. */
  sink: SinkTarget;
  /** How many times to ask the balancer for a route before giving up; default 3. */
  maxRouteAttempts?: number;
  /** Connect timeout and longest silence on a connection; default 10 s. */
  timeoutMs?: number;
  log?: Logger;
  onProgress?: (progress: DownloadProgress) => void;
  /** Asks for routes; defaults to one balancer connection per request (load mode shares one). */
  router?: Router;
  /** Place the client in a region: its source addresses and its route hint. */
  region?: RegionBinding | undefined;
}

export interface DownloadResult {
  /** The object's path as the replica named it. */
  path: string;
  /** The file written, '-' for stdout, or null when the bytes were only hashed. */
  output: SinkTarget;
  size: number;
  sha256: string;
  /** Every replica that contributed bytes, in order. */
  servedBy: string[];
  failovers: number;
  /**
   * Per failover, why the replica left failed: its error code (`draining`, `internal`, …) or
   * how its connection failed (`refused`, `reset`, `timeout`, …).
   */
  failoverCodes: string[];
  /** Data bytes received over the wire, including any discarded by a restart. */
  bytes: number;
  ms: number;
  /** How the first replica got the object (hit, miss, revalidated, stale). */
  cache: CacheStatus;
  /**
   * Time to first byte: from the get sent to the replica that first answered with the object
   * to that answer's arrival (ms; the route is not in it).
   */
  firstByteMs: number | null;
}

export const DEFAULT_MAX_ROUTE_ATTEMPTS = 5;

/** Balancer answers after which asking again later may help. */
const RETRYABLE_ROUTE_CODES: ReadonlySet<ClientErrorCode> = new Set<ClientErrorCode>([
  'no_replica',
  'too_many_connections',
  'balancer_unreachable',
  'balancer_error',
  'draining',
  'internal',
]);

/** The longest pause a server's retryAfterMs can ask for, so a wrong one cannot hang a client. */
export const MAX_RETRY_AFTER_MS = 10_000;

/**
 * Pause before route attempt `round + 1`: what the server asked for (no_replica,
 * too_many_connections), else 200, 400, 800, 1600 ms (at most 2 s), so the default five
 * attempts span about 3 s — enough to outlast a balancer restart.
 */
function backoffMs(round: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS);
  return Math.min(200 * 2 ** (round - 1), 2000);
}

interface Failure {
  code?: ErrorCode | undefined;
  connection?: FailureKind | undefined;
  replica: string;
  reason: string;
  /** The replica asked to be left alone this long (too_many_connections). */
  retryAfterMs?: number | undefined;
}

function allFailed(path: string | null, rounds: number, failures: Failure[]): ClientError {
  const latest = new Map<string, string>();
  for (const failure of failures) latest.set(failure.replica, failure.reason);
  const list = [...latest].map(([replica, reason]) => `${replica} (${reason})`).join(', ');
  const routes = rounds === 1 ? '1 route' : `${rounds} routes`;
  return new ClientError(
    'all_replicas_failed',
    `all replicas failed for ${describePath(path)} after ${routes}: ${list}`,
  );
}

/**
 * Downloads one object through the balancer: routes, fetches from the best replica, fails
 * over to the alternates resuming at the byte offset already received, asks for a fresh route
 * when those are exhausted, and verifies size and sha256 before the bytes appear under the
 * final name. Rejects with a ClientError.
 */
export async function download(options: DownloadOptions): Promise<DownloadResult> {
  const started = performance.now();
  const log = options.log ?? openEventLog('client', undefined).log;
  const { path } = options;
  if (path !== null && !path.startsWith('/')) {
    throw new ClientError('bad_request', `the object path must start with "/": ${path}`);
  }
  const sink = await openSink(options.sink);
  const onProgress = options.onProgress;
  const state = new TransferState(
    sink,
    onProgress && ((received, size) => onProgress({ received, size })),
  );
  try {
    const { verified, failovers, failoverCodes } = await assembleVerified(options, state, log);
    await sink.commit();
    const result: DownloadResult = {
      path: verified.path,
      output: options.sink,
      size: verified.size,
      sha256: verified.sha256,
      servedBy: state.servedBy,
      failovers,
      failoverCodes,
      bytes: state.wireBytes,
      ms: performance.now() - started,
      cache: verified.cache,
      firstByteMs: state.firstByteMs,
    };
    log.info({ event: 'verified', ...result }, `verified ${result.path}`);
    return result;
  } catch (error) {
    await sink.abort();
    const code = error instanceof ClientError ? error.code : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    log.warn({ event: 'download-failed', path, code, message }, message);
    throw error;
  }
}

type Complete = Extract<PartOutcome, { kind: 'complete' }>;

/**
 * Assembles and verifies the object; when bytes joined across a failover do not match, starts
 * once more from byte 0 (the replicas may hold two versions under one ETag) before giving up.
 */
async function assembleVerified(
  options: DownloadOptions,
  state: TransferState,
  log: Logger,
): Promise<{ verified: Verified; failovers: number; failoverCodes: string[] }> {
  const first = await assemble(options, state, log);
  try {
    const { end, servedBy } = first.outcome;
    return { verified: verify(options.path, state, end, servedBy, false), ...first };
  } catch (error) {
    if (!splicedMismatch(error, state)) throw error;
    log.warn(
      { event: 'restart', path: options.path, offset: state.received, reason: error.message },
      `restarting at byte 0: ${error.message}`,
    );
  }
  await state.restart();
  const second = await assemble(options, state, log);
  const { end, servedBy } = second.outcome;
  return {
    verified: verify(options.path, state, end, servedBy, true),
    failovers: first.failovers + second.failovers,
    failoverCodes: [...first.failoverCodes, ...second.failoverCodes],
  };
}

async function assemble(
  options: DownloadOptions,
  state: TransferState,
  log: Logger,
): Promise<{ outcome: Complete; failovers: number; failoverCodes: string[] }> {
  const { path } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRounds = options.maxRouteAttempts ?? DEFAULT_MAX_ROUTE_ATTEMPTS;
  const router: Router =
    options.router ??
    ((p) => requestRoute(options.balancer, p, { timeoutMs, region: options.region }));
  const partOptions: PartOptions = { path, timeoutMs, log, region: options.region };
  const failures: Failure[] = [];
  /** The failure of the previous attempt: the next attempt is a failover from it. */
  let pending: Failure | null = null;
  let failovers = 0;
  const failoverCodes: string[] = [];
  let routeError: ClientError | null = null;
  /** The longest wait the replicas of the last round asked for, if any did. */
  let replicasRetryAfterMs: number | undefined;

  for (let round = 1; round <= maxRounds; round += 1) {
    const askedMs = routeError?.retryAfterMs ?? replicasRetryAfterMs;
    replicasRetryAfterMs = undefined;
    if (round > 1) await delay(backoffMs(round - 1, askedMs));
    let route: RouteOkMessage;
    try {
      route = await router(path);
      routeError = null;
    } catch (error) {
      if (!(error instanceof ClientError) || !RETRYABLE_ROUTE_CODES.has(error.code)) throw error;
      routeError = error;
      log.warn(
        { event: 'route-failed', path, round, code: error.code, retryAfterMs: error.retryAfterMs },
        error.message,
      );
      continue;
    }
    log.info(
      {
        event: 'route',
        path,
        round,
        best: route.best.id,
        alternates: route.alternates.map((alternate) => alternate.id),
        strategy: route.strategy,
        reason: route.reason,
      },
      `routed to ${route.best.id}`,
    );
    for (const endpoint of [route.best, ...route.alternates]) {
      if (pending) {
        failovers += 1;
        failoverCodes.push(pending.code ?? pending.connection ?? 'bad_answer');
        log.warn(
          {
            event: 'failover',
            from: pending.replica,
            to: endpoint.id,
            offset: state.received,
            reason: pending.reason,
          },
          `failing over from ${pending.replica} to ${endpoint.id} at byte ${state.received}`,
        );
      }
      const outcome = await fetchWithRestart(endpoint, state, partOptions);
      if (outcome.kind === 'complete') return { outcome, failovers, failoverCodes };
      pending = {
        replica: endpoint.id,
        reason: outcome.reason,
        code: outcome.code,
        connection: outcome.connection,
        retryAfterMs: outcome.retryAfterMs,
      };
      failures.push(pending);
    }
    const thisRound = failures.slice(-(1 + route.alternates.length));
    replicasRetryAfterMs = longestRetryAfter(thisRound);
    // Every replica of this round said the origin is unavailable: asking again cannot help.
    if (thisRound.every((failure) => failure.code === 'origin_unavailable')) {
      throw new ClientError(
        'origin_unavailable',
        `the origin is unavailable for ${describePath(path)}: ${thisRound.map((f) => `${f.replica}: ${f.reason}`).join('; ')}`,
      );
    }
  }
  if (routeError) throw routeFailure(routeError, path, maxRounds);
  throw allFailed(path, maxRounds, failures);
}

/** One attempt at one replica; if the object changed under a resume, once more from byte 0. */
async function fetchWithRestart(
  endpoint: Endpoint,
  state: TransferState,
  options: PartOptions,
): Promise<Exclude<PartOutcome, { kind: 'restart' }>> {
  const outcome = await fetchPart(endpoint, state, options);
  if (outcome.kind !== 'restart') return outcome;
  options.log.warn(
    {
      event: 'restart',
      replica: endpoint.id,
      path: options.path,
      offset: state.received,
      reason: outcome.reason,
    },
    `restarting at byte 0: ${outcome.reason}`,
  );
  await state.restart();
  const again = await fetchPart(endpoint, state, options);
  return again.kind === 'restart' ? { kind: 'failed', reason: again.reason } : again;
}

function longestRetryAfter(failures: Failure[]): number | undefined {
  const asked = failures.flatMap((failure) =>
    failure.retryAfterMs === undefined ? [] : [failure.retryAfterMs],
  );
  return asked.length === 0 ? undefined : Math.max(...asked);
}

function routeFailure(error: ClientError, path: string | null, rounds: number): ClientError {
  if (error.code !== 'no_replica') return error;
  return new ClientError(
    'no_replica',
    `no replica is available for ${describePath(path)} (asked the balancer ${rounds} times): ${error.message}`,
    error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs },
  );
}
