import {
  DEFAULT_LOG_REQUESTS,
  DEFAULT_QUERY_POLICY,
  UserError,
  parseQueryPolicy,
  requestLogPolicyOf,
  type AdminSettings,
  type ConnectionLimits,
  type Logger,
  type QueryPolicy,
  type RequestLogPolicy,
} from '@cdn-lab/common';
import {
  DEFAULT_STRATEGY,
  STRATEGY_NAMES,
  isStrategyName,
  type StrategyName,
} from './strategies/index.js';

/** How to start a balancer; an absent setting takes its value from BALANCER_DEFAULTS. */
export interface BalancerOptions {
  /** Address to listen on. */
  host?: string;
  /** Port to listen on (0 picks a free one), also the port of servers-file lines without one. */
  port?: number;
  /** The replica list, one address a line. */
  serversFile?: string;
  /** A name of STRATEGY_NAMES. */
  strategy?: string;
  /** Time between two probes of a replica. */
  probeIntervalMs?: number;
  /** Ping answer and connect timeout. */
  probeTimeoutMs?: number;
  /** Longest wait between connection attempts to a replica that cannot be reached. */
  probeBackoffMaxMs?: number;
  /** Answered probes in a row that take a down replica up. */
  rise?: number;
  /** Failed probes in a row that take an up replica down. */
  fall?: number;
  /** Passive check: recent transfer failure ratio that takes a replica down (0: off). */
  failureRatio?: number;
  /** Passive check: failed transfers needed before the ratio counts. */
  failureMin?: number;
  /** How often the servers file is re-read and names re-resolved. */
  reloadIntervalMs?: number;
  /**
   * A connection silent this long is taken for the original project's client and answered in
   * its format (its client never speaks first; ours always do, so they never wait). 0: off.
   */
  legacySilenceMs?: number;
  /**
   * What a query string adds to the path the consistent strategy hashes: `keep`, `ignore` or
   * `allow=a,b` (as the replicas' --query, so each object has one owner).
   */
  query?: string;
  /** Connection limits and timeouts (see CONNECTION_LIMIT_DEFAULTS in @cdn-lab/common). */
  limits?: Partial<ConnectionLimits>;
  /** Serve the admin HTTP API (status, metrics, events, dashboard); absent: none. */
  admin?: AdminSettings;
  /** JSON-lines event log (openEventLog(...).log); silent when absent. */
  log?: Logger;
  /**
   * Which routes get their own log line: `all`, `off`, or at most N a second (the rest are
   * counted in one line a second). State changes are always logged. Default 100 a second.
   */
  logRequests?: RequestLogPolicy | string;
  /** One human line for the terminal: bad servers-file lines, replicas going up or down. */
  say?: (line: string) => void;
  /** Replaces DNS lookups of servers-file names (tests). */
  resolve?: (name: string) => Promise<string[]>;
}

export interface ResolvedBalancerOptions {
  host: string;
  port: number;
  serversFile: string;
  strategy: StrategyName;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  probeBackoffMaxMs: number;
  rise: number;
  fall: number;
  failureRatio: number;
  failureMin: number;
  reloadIntervalMs: number;
  legacySilenceMs: number;
  query: QueryPolicy;
  logRequests: RequestLogPolicy;
}

/** The one table of the balancer's defaults: the CLI, the resolver and the modules read it. */
export const BALANCER_DEFAULTS: ResolvedBalancerOptions = {
  host: '127.0.0.1',
  port: 9000,
  serversFile: './servers.txt',
  strategy: DEFAULT_STRATEGY,
  probeIntervalMs: 250,
  probeTimeoutMs: 500,
  probeBackoffMaxMs: 2000,
  rise: 2,
  fall: 2,
  failureRatio: 0.5,
  failureMin: 3,
  reloadIntervalMs: 2000,
  legacySilenceMs: 300,
  query: parseQueryPolicy(DEFAULT_QUERY_POLICY),
  logRequests: requestLogPolicyOf(DEFAULT_LOG_REQUESTS),
};

export function checkStrategyName(name: string): StrategyName {
  if (!isStrategyName(name)) {
    throw new UserError(`unknown strategy "${name}"; choose one of ${STRATEGY_NAMES.join(', ')}`);
  }
  return name;
}

function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new UserError(`${what} must be above 0`);
  return value;
}

function notNegative(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new UserError(`${what} must be 0 or more`);
  return value;
}

function ratio(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 1)
    throw new UserError(`${what} must be from 0 to 1`);
  return value;
}

function atLeastOne(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new UserError(`${what} must be a whole number of at least 1`);
  return value;
}

export function resolveBalancerOptions(options: BalancerOptions): ResolvedBalancerOptions {
  const { query, ...rest } = options;
  const merged = { ...BALANCER_DEFAULTS, ...withoutUndefined(rest) };
  return {
    host: merged.host,
    port: merged.port,
    serversFile: merged.serversFile,
    strategy: checkStrategyName(merged.strategy),
    probeIntervalMs: positive(merged.probeIntervalMs, 'the probe interval'),
    probeTimeoutMs: positive(merged.probeTimeoutMs, 'the probe timeout'),
    probeBackoffMaxMs: positive(merged.probeBackoffMaxMs, 'the longest probe backoff'),
    rise: atLeastOne(merged.rise, 'rise'),
    fall: atLeastOne(merged.fall, 'fall'),
    failureRatio: ratio(merged.failureRatio, 'the failure ratio'),
    failureMin: atLeastOne(merged.failureMin, 'the minimum of failed transfers'),
    reloadIntervalMs: positive(merged.reloadIntervalMs, 'the reload interval'),
    legacySilenceMs: notNegative(merged.legacySilenceMs, 'the legacy wait'),
    query: query === undefined ? BALANCER_DEFAULTS.query : parseQueryPolicy(query),
    logRequests: requestLogPolicyOf(merged.logRequests),
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
