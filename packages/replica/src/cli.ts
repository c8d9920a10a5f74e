#!/usr/bin/env node
import {
  activeFaultNames,
  addAdminOptions,
  addFaultOptions,
  faultsFromOptions,
  addLimitOptions,
  limitsOf,
  type LimitFlags,
  adminSettingsOf,
  type AdminFlags,
  serveUntilStopped,
  UserError,
  bytesArg,
  envOption,
  intArg,
  exitWithHealth,
  formatBytes,
  loadEnvFile,
  newProgram,
  openEventLog,
  portArg,
  queryPolicyArg,
  addLogOptions,
  type LogFlags,
  runMain,
  say,
  durationDefaultSecondsArg,
} from '@cdn-lab/common';
import { MAX_HOPS_ON_WIRE } from '@cdn-lab/protocol';
import { checkReplica } from './healthcheck.js';
import { ORIGIN_REDIRECT_POLICIES } from './cache/origin-redirects.js';
import { REPLICA_DEFAULTS, startReplica } from './index.js';

const ROLE = 'replica';

/** How the replica's fault options are spelled: --fault-delay, CDN_FAULT_DELAY, … */
const FAULT_OPTIONS = { prefix: 'fault-', envPrefix: 'FAULT_', describe: 'fault: ' };

interface CliOptions extends AdminFlags, LimitFlags, LogFlags {
  port: number;
  log?: string;
  webpage?: string;
  origin?: string;
  host: string;
  cacheBytes: number;
  ttl: number;
  negativeTtl: number;
  drainTimeout: number;
  originTimeout: number;
  originTotalTimeout: number;
  originRetries: number;
  maxObjectBytes: number;
  query: string;
  originRedirects: string;
  healthcheck?: boolean;
  region?: string;
  topology?: string;
  parents?: string;
  parentTimeout: number;
  tier: string;
  maxHops: number;
  advertise?: string;
}

function parseArgs(): CliOptions {
  const d = REPLICA_DEFAULTS;
  const program = newProgram(
    'cdn-replica',
    'Edge cache: serves objects (native protocol, HTTP and the original format, on one port), pulling them from the origin on a miss.',
  );
  return addLogOptions(
    addLimitOptions(addFaultOptions(addAdminOptions(program), FAULT_OPTIONS)),
    'requests',
  )
    .addOption(
      envOption('-p, --port <port>', 'port to listen on (0 picks a free one)', 'REPLICA_PORT')
        .argParser(portArg)
        .default(d.port),
    )
    .addOption(envOption('-l, --log <file>', 'write JSON-lines events to this file', 'REPLICA_LOG'))

    .addOption(
      envOption(
        '-w, --webpage <url-or-path>',
        'the default object, fetched at start: an http(s) URL, or a path under --origin',
        'WEBPAGE',
      ),
    )
    .addOption(
      envOption('--origin <url>', 'origin base URL; any path is fetched from under it', 'ORIGIN'),
    )
    .addOption(envOption('--host <addr>', 'address to listen on', 'REPLICA_HOST').default(d.host))
    .addOption(
      envOption('--cache-bytes <size>', 'cache capacity, e.g. 256MiB', 'CACHE_BYTES')
        .argParser(bytesArg)
        .default(d.cacheBytes, `${d.cacheBytes / 1024 ** 2}MiB`),
    )
    .addOption(
      envOption(
        '--ttl <duration>',
        'serve a cached object this long before revalidating (e.g. 60s, 500ms; bare number: seconds)',
        'TTL',
      )
        .argParser(durationDefaultSecondsArg)
        .default(d.ttlMs, `${d.ttlMs / 1000}s`),
    )
    .addOption(
      envOption(
        '--negative-ttl <duration>',
        "repeat the origin's 404 this long without asking it again (5xx: at most 1s; 0: off)",
        'NEGATIVE_TTL',
      )
        .argParser(durationDefaultSecondsArg)
        .default(d.negativeTtlMs, `${d.negativeTtlMs / 1000}s`),
    )
    .addOption(
      envOption('--drain-timeout <duration>', 'longest wait for transfers on stop', 'DRAIN_TIMEOUT')
        .argParser(durationDefaultSecondsArg)
        .default(d.drainTimeoutMs, `${d.drainTimeoutMs / 1000}s`),
    )
    .addOption(
      envOption('--origin-timeout <duration>', 'origin connect/answer timeout', 'ORIGIN_TIMEOUT')
        .argParser(durationDefaultSecondsArg)
        .default(d.originTimeoutMs, `${d.originTimeoutMs / 1000}s`),
    )
    .addOption(
      envOption(
        '--origin-total-timeout <duration>',
        'longest whole origin fetch, first byte to last',
        'ORIGIN_TOTAL_TIMEOUT',
      )
        .argParser(durationDefaultSecondsArg)
        .default(d.originTotalTimeoutMs, `${d.originTotalTimeoutMs / 1000}s`),
    )
    .addOption(
      envOption(
        '--origin-retries <n>',
        'extra attempts, with backoff, when the origin cannot be reached',
        'ORIGIN_RETRIES',
      )
        .argParser(intArg(0, 10))
        .default(d.originRetries),
    )
    .addOption(
      envOption('--max-object-bytes <size>', 'refuse objects larger than this', 'MAX_OBJECT_BYTES')
        .argParser(bytesArg)
        .default(d.maxObjectBytes, '1GiB'),
    )
    .addOption(
      envOption(
        '--query <policy>',
        "what a query string adds to an object's identity: keep, ignore, or allow=NAME,NAME (the balancer's --query should match)",
        'QUERY',
      )
        .argParser(queryPolicyArg)
        .default(d.query),
    )
    .addOption(
      envOption(
        '--origin-redirects <policy>',
        'origin redirects followed: off (a redirect is an origin error) or same-origin (same scheme, host and port only)',
        'ORIGIN_REDIRECTS',
      )
        .choices(ORIGIN_REDIRECT_POLICIES)
        .default(d.originRedirects),
    )
    .addOption(
      envOption(
        '--region <name>',
        'the region this replica serves in (a label in pongs, /status, metrics and logs; with --topology it also places the replica)',
        'REGION',
      ),
    )
    .addOption(
      envOption(
        '--topology <file>',
        'a topology file (e.g. topologies/three-regions.yml): emulate the distance to each client region and to the origin; needs --region',
        'TOPOLOGY',
      ),
    )
    .addOption(
      envOption(
        '--parents <file>',
        "parents file (servers.txt format, re-read every 2s): the cache tier asked on a miss before the origin; a line without a port means this replica's port",
        'PARENTS',
      ),
    )
    .addOption(
      envOption(
        '--parent-timeout <duration>',
        "a parent's answer head must come within this, and its body may go silent no longer (then the next parent is asked)",
        'PARENT_TIMEOUT',
      )
        .argParser(durationDefaultSecondsArg)
        .default(d.parentTimeoutMs, `${d.parentTimeoutMs / 1000}s`),
    )
    .addOption(
      envOption(
        '--tier <name>',
        'the cache tier this replica is in (a label in pongs, /status and metrics), e.g. edge or shield',
        'TIER',
      ).default(d.tier),
    )
    .addOption(
      envOption(
        '--max-hops <n>',
        'refuse a request that has passed through this many caches or more (HTTP 508, loop_detected)',
        'MAX_HOPS',
      )
        .argParser(intArg(1, MAX_HOPS_ON_WIRE))
        .default(d.maxHops),
    )
    .addOption(
      envOption(
        '--advertise <host:port>',
        "where clients outside this replica's network reach it (a port published on a swarm node, a pod IP; IPv6 as [::1]:9100): said in every pong, and given by the balancer to clients that cannot reach the address it probes",
        'ADVERTISE',
      ),
    )
    .option(
      '--healthcheck',
      'ask the replica running with these settings whether it is ready; exit 0 (yes) or 1',
    )
    .parse()
    .opts<CliOptions>();
}

async function main(): Promise<void> {
  loadEnvFile();
  const options = parseArgs();
  if (options.healthcheck)
    await exitWithHealth(ROLE, () => checkReplica(options.host, options.port));
  if (!options.webpage && !options.origin) {
    throw new UserError(
      'nothing to serve: give the default object with -w URL, or an origin with --origin URL (or both)',
      2,
    );
  }
  const eventLog = openEventLog(ROLE, options.log, options.logLevel);
  try {
    const replica = await startReplica({
      host: options.host,
      port: options.port,
      origin: options.origin ?? null,
      defaultObject: options.webpage ?? null,
      cacheBytes: options.cacheBytes,
      ttlMs: options.ttl,
      negativeTtlMs: options.negativeTtl,
      drainTimeoutMs: options.drainTimeout,
      originTimeoutMs: options.originTimeout,
      originTotalTimeoutMs: options.originTotalTimeout,
      originRetries: options.originRetries,
      maxObjectBytes: options.maxObjectBytes,
      query: options.query,
      originRedirects: options.originRedirects,
      logRequests: options.logRequests,
      region: options.region ?? null,
      topology: options.topology ?? null,
      parents: options.parents ?? null,
      parentTimeoutMs: options.parentTimeout,
      tier: options.tier,
      maxHops: options.maxHops,
      // An empty CDN_ADVERTISE (a compose file passing an unset variable) is no address.
      advertise: options.advertise || null,
      say: (line) => say(ROLE, line),
      admin: adminSettingsOf(options),
      limits: limitsOf(options),
      faults: faultsFromOptions({ ...options }, FAULT_OPTIONS),
      log: eventLog.log,
    });
    if (replica.admin) say(ROLE, `admin API on ${replica.admin.url}`);
    const faults = activeFaultNames(replica.faults.current);
    if (faults.length > 0) say(ROLE, `faults in force: ${faults.join(', ')}`);
    if (options.region) {
      const place = options.topology ? ` of ${options.topology} (distance emulated)` : '';
      say(ROLE, `region ${options.region}${place}`);
    }
    if (options.parents) say(ROLE, `tier ${options.tier}; parents from ${options.parents}`);
    if (options.advertise) say(ROLE, `advertising ${options.advertise} to clients outside`);
    const { id, host, port } = replica.endpoint;
    say(
      ROLE,
      `serving on ${id}; origin ${options.origin ?? 'none'}; default object ${options.webpage ?? 'none'}; ` +
        `cache ${formatBytes(options.cacheBytes)}, ttl ${options.ttl / 1000}s`,
    );
    serveUntilStopped({
      role: ROLE,
      eventLog,
      ready: { host, port, ...(replica.admin ? { adminUrl: replica.admin.url } : {}) },
      stopping: 'draining (finishing transfers in flight; again to stop at once)',
      stop: () => replica.drain(),
    });
  } catch (error) {
    eventLog.close();
    throw error;
  }
}

void runMain('cdn-replica', main);
