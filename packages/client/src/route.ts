import { endpointId } from '@cdn-lab/common';
import type { Message, RouteOkMessage } from '@cdn-lab/protocol';
import { ConnectionFailure, FrameConnection } from './connection.js';
import { ClientError } from './errors.js';
import type { RegionBinding } from './region-binding.js';

export interface BalancerAddress {
  host: string;
  port: number;
}

export interface RouteOptions {
  /** Connect and answer timeout; default 10 s. */
  timeoutMs?: number;
  /** A client placed in a region: connects from its address and sends its name as the hint. */
  region?: RegionBinding | undefined;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** How a download asks for a route; a load worker passes its session's `route`. */
export type Router = (path: string | null) => Promise<RouteOkMessage>;

/**
 * One connection to the balancer carrying any number of route requests. Requests may be
 * pipelined: answers come back in order, so each request takes the next answer. A broken
 * connection fails the requests waiting on it; the next request opens a new one.
 */
export class BalancerSession {
  readonly id: string;
  private connection: Promise<FrameConnection> | null = null;
  private answers: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private readonly timeoutMs: number;
  private readonly region: RegionBinding | undefined;

  constructor(
    readonly balancer: BalancerAddress,
    options: RouteOptions = {},
  ) {
    this.id = endpointId(balancer.host, balancer.port);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.region = options.region;
  }

  readonly route: Router = async (path) => {
    const connection = await this.connect();
    try {
      connection.send(
        this.region?.hint
          ? { type: 'route', path, region: this.region.region }
          : { type: 'route', path },
      );
    } catch (error) {
      throw this.explain(error);
    }
    this.waiting += 1;
    connection.setIdleTimeout(this.timeoutMs);
    const answer = this.answers.then(() => connection.next());
    this.answers = answer.catch(() => undefined);
    try {
      return this.interpret(await answer);
    } catch (error) {
      throw this.explain(error);
    } finally {
      this.waiting -= 1;
      if (this.waiting === 0 && !connection.failed) connection.setIdleTimeout(0);
    }
  };

  close(): void {
    const connection = this.connection;
    this.connection = null;
    void connection?.then((open) => open.close()).catch(() => undefined);
  }

  private async connect(): Promise<FrameConnection> {
    const current = this.connection ? await this.connection.catch(() => null) : null;
    if (current && !current.failed) return current;
    this.answers = Promise.resolve();
    const opening = FrameConnection.open(
      this.balancer.host,
      this.balancer.port,
      this.timeoutMs,
      this.region?.nextAddress(),
    );
    this.connection = opening;
    try {
      return await opening;
    } catch (error) {
      if (this.connection === opening) this.connection = null;
      if (error instanceof ConnectionFailure) {
        throw new ClientError(
          'balancer_unreachable',
          `balancer ${this.id} is not reachable: ${error.message} (is cdn-balancer running?)`,
        );
      }
      throw error;
    }
  }

  private interpret(message: Message): RouteOkMessage {
    if (message.type === 'route-ok') return message;
    if (message.type === 'error') {
      const retry =
        message.retryAfterMs === undefined ? '' : ` (retry after ${message.retryAfterMs} ms)`;
      throw new ClientError(
        message.code,
        `balancer ${this.id} answered ${message.code}: ${message.message}${retry}`,
        message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs },
      );
    }
    throw new ClientError(
      'balancer_error',
      `balancer ${this.id} answered a route request with a "${message.type}" frame`,
    );
  }

  private explain(error: unknown): unknown {
    if (error instanceof ConnectionFailure) {
      return new ClientError('balancer_error', `balancer ${this.id} failed: ${error.message}`);
    }
    return error;
  }
}

/**
 * Asks the balancer once which replica should serve `path` (null: the default object), over a
 * connection of its own. Throws a ClientError carrying the server's code (no_replica comes with
 * retryAfterMs) or balancer_unreachable / balancer_error.
 */
export async function requestRoute(
  balancer: BalancerAddress,
  path: string | null,
  options: RouteOptions = {},
): Promise<RouteOkMessage> {
  const session = new BalancerSession(balancer, options);
  try {
    return await session.route(path);
  } finally {
    session.close();
  }
}
