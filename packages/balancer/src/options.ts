import {
  DEFAULT_LOG_REQUESTS,
  DEFAULT_QUERY_POLICY,
  UserError,
  loadTopology,
  parseQueryPolicy,
  requestLogPolicyOf,
  type AdminSettings,
  type ConnectionLimits,
  type Logger,
  type QueryPolicy,
  type RequestLogPolicy,
  type Topology,
} from '@cdn-lab/common';
import type { InterfaceTable } from './routing/client-side.js';
import {
  DEFAULT_STRATEGY,
  REGION_STRATEGIES,
  STRATEGY_NAMES,
  TOPOLOGY_DEFAULT_STRATEGY,
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
  /**
   * The shield tier (servers-file format): replicas probed and shown, never routed to (the
   * edges ask them). Absent: no shields.
   */
  shieldsFile?: string;
  /** A name of STRATEGY_NAMES; default `nearest` with a topology, else `consistent`. */
  strategy?: string;
  /** The world's regions (a topology file, or one already read); absent: no regions. */
  topology?: string | Topology;
  /** Where clients in no coverage zone are placed; default: the topology's defaultRegion. */
  defaultRegion?: string;
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
  /** Replaces os.networkInterfaces() for the inside/outside rule (tests). */
  interfaces?: InterfaceTable;
}

export interface ResolvedBalancerOptions {
  host: string;
  port: number;
  serversFile: string;
  shieldsFile: string | null;
  strategy: StrategyName;
  topology: Topology | null;
  /** The topology's default region, or the one given instead; null without a topology. */
  defaultRegion: string | null;
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
  shieldsFile: null,
  strategy: DEFAULT_STRATEGY,
  topology: null,
  defaultRegion: null,
  probeIntervalMs: 250,
  probeTimeoutMs: 500,
  probeBackoffMaxMs: 1000,
  rise: 2,
  fall: 2,
  failureRatio: 0.5,
  failureMin: 3,
  reloadIntervalMs: 2000,
  legacySilenceMs: 300,
  query: parseQueryPolicy(DEFAULT_QUERY_POLICY),
  logRequests: requestLogPolicyOf(DEFAULT_LOG_REQUESTS),
};

/** `hasTopology`: whether the balancer knows regions (the region strategies need them). */
export function checkStrategyName(name: string, hasTopology = true): StrategyName {
  if (!isStrategyName(name)) {
    throw new UserError(`unknown strategy "${name}"; choose one of ${STRATEGY_NAMES.join(', ')}`);
  }
  if (!hasTopology && REGION_STRATEGIES.includes(name)) {
    throw new UserError(
      `the ${name} strategy routes by region and needs a topology: give --topology FILE`,
    );
  }
  return name;
}

function topologyOf(given: string | Topology | undefined): Topology | null {
  if (given === undefined) return null;
  return typeof given === 'string' ? loadTopology(given) : given;
}

function defaultRegionOf(topology: Topology | null, given: string | undefined): string | null {
  if (!topology) {
    if (given !== undefined) throw new UserError('--default-region needs a --topology');
    return null;
  }
  const names = topology.regions.map((region) => region.name);
  const wanted = given ?? topology.defaultRegion;
  if (!names.includes(wanted)) {
    throw new UserError(
      `the default region "${wanted}" is not a region of ${topology.source} (${names.join(', ')})`,
    );
  }
  return wanted;
}

function shieldsFileOf(given: string | null): string | null {
  if (given === '') throw new UserError('--shields needs a file name');
  return given;
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
  const { query, topology: topologyGiven, defaultRegion, strategy, ...rest } = options;
  const merged = { ...BALANCER_DEFAULTS, ...withoutUndefined(rest) };
  const topology = topologyOf(topologyGiven);
  const defaultStrategy = topology ? TOPOLOGY_DEFAULT_STRATEGY : BALANCER_DEFAULTS.strategy;
  return {
    host: merged.host,
    port: merged.port,
    serversFile: merged.serversFile,
    shieldsFile: shieldsFileOf(merged.shieldsFile),
    strategy: checkStrategyName(strategy ?? defaultStrategy, topology !== null),
    topology,
    defaultRegion: defaultRegionOf(topology, defaultRegion),
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
