import {
  DEFAULT_LOG_REQUESTS,
  DEFAULT_QUERY_POLICY,
  UserError,
  activeFaults,
  connectionLimitsOf,
  notNegative,
  parseFaults,
  parseQueryPolicy,
  requestLogPolicyOf,
  positive,
  wholeNumber,
  withoutUndefined,
  loadTopology,
  regionNamed,
  type AdminSettings,
  type ConnectionLimits,
  type Faults,
  type Logger,
  type QueryPolicy,
  type RequestLogPolicy,
  type Topology,
} from '@cdn-lab/common';
import { MAX_HOPS_ON_WIRE, REGION_NAME, type AdvertisedAddress } from '@cdn-lab/protocol';
import { advertisedOf } from './advertise.js';
import {
  ORIGIN_REDIRECT_POLICIES,
  isOriginRedirectPolicy,
  type OriginRedirectPolicy,
} from './cache/origin-redirects.js';

export interface ReplicaOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 9000. */
  port?: number;
  /** Base URL of the origin; any path is fetched from under it. Null: only the default object. */
  origin?: string | null;
  /** The object served for `get` with a null path: a path under the origin or an http(s) URL. */
  defaultObject?: string | null;
  /** Cache capacity in bytes. Default 256 MiB. */
  cacheBytes?: number;
  /** How long a cached object is served without asking the origin again. Default 60 s. */
  ttlMs?: number;
  /**
   * How long the origin's 404 for a path is repeated without asking it again (its 5xx: at most
   * a second). 0 turns negative caching off. Default 5 s.
   */
  negativeTtlMs?: number;
  /** How long a drain waits for transfers in flight before cutting them. Default 30 s. */
  drainTimeoutMs?: number;
  /** Origin connect/answer timeout, and the longest silence inside a body. Default 10 s. */
  originTimeoutMs?: number;
  /** Connection limits and timeouts (see CONNECTION_LIMIT_DEFAULTS in @cdn-lab/common). */
  limits?: Partial<ConnectionLimits>;
  /** Longest whole origin fetch, first byte to last. Default 300 s. */
  originTotalTimeoutMs?: number;
  /** Extra attempts when the origin cannot be reached (not when it answers). Default 2. */
  originRetries?: number;
  /** Objects larger than this are refused (too_large), never fetched whole. Default 1 GiB. */
  maxObjectBytes?: number;
  /**
   * What a query string adds to an object's identity (cache key and origin request): `keep`,
   * `ignore` or `allow=a,b`. Default `keep`; give the balancer the same.
   */
  query?: string;
  /** Origin redirects followed: 'off' (none: origin_error) or 'same-origin'. Default 'off'. */
  originRedirects?: string;
  /** Faults in force from the start (the admin API changes them later). */
  faults?: Faults;
  /** Serve the admin HTTP API (status, metrics, faults); absent: none. */
  admin?: AdminSettings;
  /** Structured event log (see openEventLog in @cdn-lab/common). Default: silent. */
  log?: Logger;
  /**
   * Which requests get their own log lines: `all`, `off`, or at most N a second (the rest are
   * counted in one line a second). State changes, warnings and errors are always logged.
   * Default 100 a second.
   */
  logRequests?: RequestLogPolicy | string;
  /** The region this replica serves in: a label in pongs, /status, metrics and logs. */
  region?: string | null;
  /**
   * A topology file (or one already read): the replica then emulates the distance to each
   * client region and to the origin. Needs `region`, one of the file's.
   */
  topology?: string | Topology | null;
  /**
   * A parents file (servers.txt format, re-read while running): the cache tier asked on a miss
   * before the origin. A line without a port means this replica's own port. Null: none.
   */
  parents?: string | null;
  /** How often the parents file is re-read. Default 2 s. */
  parentsReloadMs?: number;
  /**
   * A parent's answer head must come within this, and its body may go silent no longer: a
   * parent is one hop away (80 ms round trip eu → us), not a slow origin. Default 2 s.
   */
  parentTimeoutMs?: number;
  /** The cache tier this replica is in: a label (`edge`, `shield`, a region name). Default edge. */
  tier?: string;
  /** Requests that passed through this many caches or more are refused. Default 8. */
  maxHops?: number;
  /**
   * Where clients outside the replica's network reach it, as `HOST:PORT` (IPv6 in brackets):
   * a port published on a swarm node, a pod IP. Reported in every pong; the balancer gives it
   * to clients that cannot reach the address it probes. Null: none (default).
   */
  advertise?: string | AdvertisedAddress | null;
  /** One human line for the terminal: a bad parents-file line, a parent failing or back. */
  say?: (line: string) => void;
}

/** Every replica setting's default: the CLI shows these, the resolver fills them in. */
export const DEFAULTS = {
  host: '127.0.0.1',
  port: 9000,
  cacheBytes: 256 * 1024 * 1024,
  ttlMs: 60_000,
  negativeTtlMs: 5_000,
  drainTimeoutMs: 30_000,
  originTimeoutMs: 10_000,
  originTotalTimeoutMs: 300_000,
  originRetries: 2,
  maxObjectBytes: 1024 ** 3,
  query: DEFAULT_QUERY_POLICY,
  originRedirects: 'off',
  logRequests: DEFAULT_LOG_REQUESTS,
  region: null,
  topology: null,
  parents: null,
  parentsReloadMs: 2_000,
  parentTimeoutMs: 2_000,
  tier: 'edge',
  maxHops: 8,
  advertise: null,
} as const;

/** Pause before the n-th extra origin attempt (n from 1): 100 ms, 200 ms, 400 ms … at most 2 s. */
export function originRetryDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** (attempt - 1), 2_000);
}

/** Attempts and pauses for the default object at start: the origin may be starting too. */
export const DEFAULT_OBJECT_RETRY_DELAYS_MS = [200, 600] as const;

/** Every setting filled in and checked; what the replica runs with. */
export interface ResolvedReplicaOptions {
  host: string;
  port: number;
  origin: string | null;
  defaultObject: string | null;
  cacheBytes: number;
  ttlMs: number;
  negativeTtlMs: number;
  drainTimeoutMs: number;
  originTimeoutMs: number;
  originTotalTimeoutMs: number;
  originRetries: number;
  maxObjectBytes: number;
  query: QueryPolicy;
  originRedirects: OriginRedirectPolicy;
  limits: ConnectionLimits;
  faults: Faults;
  admin: AdminSettings | null;
  log: Logger | null;
  logRequests: RequestLogPolicy;
  region: string | null;
  topology: Topology | null;
  parents: string | null;
  parentsReloadMs: number;
  parentTimeoutMs: number;
  tier: string;
  maxHops: number;
  advertise: AdvertisedAddress | null;
}

/** Fills in the defaults and checks every value; a UserError names the first bad one. */
export function resolveReplicaOptions(options: ReplicaOptions): ResolvedReplicaOptions {
  const merged = { ...DEFAULTS, ...withoutUndefined(options) };
  const origin = merged.origin ?? null;
  const defaultObject = merged.defaultObject ?? null;
  if (!origin && !defaultObject) {
    throw new UserError('a replica needs an origin (--origin URL) or a default object (-w URL)');
  }
  return {
    host: merged.host,
    port: wholeNumber(merged.port, 'the port', 0, 65_535),
    origin,
    defaultObject,
    cacheBytes: positive(merged.cacheBytes, 'the cache size'),
    ttlMs: notNegative(merged.ttlMs, 'the TTL'),
    negativeTtlMs: notNegative(merged.negativeTtlMs, 'the negative TTL'),
    drainTimeoutMs: notNegative(merged.drainTimeoutMs, 'the drain timeout'),
    originTimeoutMs: positive(merged.originTimeoutMs, 'the origin timeout'),
    originTotalTimeoutMs: positive(merged.originTotalTimeoutMs, 'the origin total timeout'),
    originRetries: wholeNumber(merged.originRetries, 'the origin retries', 0, 10),
    maxObjectBytes: positive(merged.maxObjectBytes, 'the maximum object size'),
    query: parseQueryPolicy(merged.query),
    originRedirects: redirectPolicyOf(merged.originRedirects),
    limits: connectionLimitsOf(merged.limits),
    faults: activeFaults(parseFaults({ ...merged.faults })),
    admin: merged.admin ?? null,
    log: merged.log ?? null,
    logRequests: requestLogPolicyOf(merged.logRequests),
    ...placeOf(merged.region, merged.topology),
    parents: merged.parents ?? null,
    parentsReloadMs: positive(merged.parentsReloadMs, 'the parents file reload interval'),
    parentTimeoutMs: positive(merged.parentTimeoutMs, 'the parent timeout'),
    tier: tierOf(merged.tier),
    maxHops: wholeNumber(merged.maxHops, 'the maximum hops', 1, MAX_HOPS_ON_WIRE),
    advertise: advertisedOf(merged.advertise),
  };
}

function tierOf(tier: string): string {
  if (REGION_NAME.test(tier)) return tier;
  throw new UserError(
    `the tier "${tier}" is not a tier name: a lowercase letter, then letters, digits or - (e.g. edge, shield)`,
  );
}

/** --region and --topology together: a region of the file, or a region alone (a label). */
function placeOf(
  region: string | null,
  topology: string | Topology | null,
): { region: string | null; topology: Topology | null } {
  if (region !== null && !REGION_NAME.test(region)) {
    throw new UserError(
      `the region "${region}" is not a region name: a lowercase letter, then letters, digits or -`,
    );
  }
  if (topology === null) return { region, topology: null };
  const world = typeof topology === 'string' ? loadTopology(topology) : topology;
  const names = world.regions.map((known) => known.name).join(', ');
  if (region === null) {
    throw new UserError(
      `--topology needs --region: which of ${world.source}'s regions (${names}) is this replica in?`,
    );
  }
  if (!regionNamed(world, region)) {
    throw new UserError(
      `the region "${region}" is not one of the topology ${world.source}'s regions (${names})`,
    );
  }
  return { region, topology: world };
}

function redirectPolicyOf(value: string): OriginRedirectPolicy {
  if (isOriginRedirectPolicy(value)) return value;
  throw new UserError(
    `the origin redirects setting "${value}" is not one of ${ORIGIN_REDIRECT_POLICIES.join(', ')}`,
  );
}
