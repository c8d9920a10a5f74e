#!/usr/bin/env node
import {
  addLogOptions,
  type LogFlags,
  addAdminOptions,
  addLimitOptions,
  limitsOf,
  type LimitFlags,
  adminSettingsOf,
  type AdminFlags,
  serveUntilStopped,
  durationArg,
  envOption,
  exitWithHealth,
  intArg,
  fractionArg,
  formatQueryPolicy,
  loadEnvFile,
  newProgram,
  openEventLog,
  portArg,
  queryPolicyArg,
  runMain,
  say,
} from '@cdn-lab/common';
import { startBalancer } from './balancer.js';
import { checkBalancer } from './healthcheck.js';
import { BALANCER_DEFAULTS } from './options.js';
import { STRATEGY_NAMES, TOPOLOGY_DEFAULT_STRATEGY } from './strategies/index.js';

const ROLE = 'balancer';

interface CliOptions extends AdminFlags, LimitFlags, LogFlags {
  servers: string;
  shields?: string;
  port: number;
  log?: string;
  host: string;
  strategy?: string;
  topology?: string;
  defaultRegion?: string;
  probeInterval: number;
  probeTimeout: number;
  probeBackoffMax: number;
  rise: number;
  fall: number;
  failureRatio: number;
  failureMin: number;
  reloadInterval: number;
  legacyWait: number;
  query: string;
  healthcheck?: boolean;
}

function parseArgs(): CliOptions {
  const d = BALANCER_DEFAULTS;
  const program = newProgram(
    'cdn-balancer',
    'Probes the replicas listed in a servers file and routes each client to the best one.',
  );
  return addLogOptions(addLimitOptions(addAdminOptions(program)), 'routes')
    .addOption(
      envOption('-s, --servers <file>', 'replica list, one address a line', 'SERVERS_FILE').default(
        d.serversFile,
      ),
    )
    .addOption(
      envOption(
        '--shields <file>',
        'the shield tier (the --parents file of the edges): replicas probed and shown on /status and the dashboard, never routed to (default: none)',
        'SHIELDS',
      ),
    )
    .addOption(
      envOption(
        '-p, --port <port>',
        'port to listen on; also the port of lines without one',
        'BALANCER_PORT',
      )
        .argParser(portArg)
        .default(d.port),
    )
    .addOption(
      envOption('-l, --log <file>', 'write JSON-lines events to this file', 'BALANCER_LOG'),
    )
    .addOption(envOption('--host <addr>', 'address to listen on', 'BALANCER_HOST').default(d.host))
    .addOption(
      envOption('--strategy <name>', 'how to choose a replica', 'STRATEGY')
        .choices(STRATEGY_NAMES)
        .default(undefined, `${TOPOLOGY_DEFAULT_STRATEGY} with --topology, else ${d.strategy}`),
    )
    .addOption(
      envOption(
        '--topology <file>',
        "the world's regions (YAML or JSON, e.g. topologies/three-regions.yml): clients are placed by their address's coverage zone, replicas by the region their pongs report",
        'TOPOLOGY',
      ),
    )
    .addOption(
      envOption(
        '--default-region <name>',
        "region of clients in no coverage zone (default: the topology's defaultRegion)",
        'DEFAULT_REGION',
      ),
    )
    .addOption(
      envOption('--probe-interval <duration>', 'time between probes of a replica', 'PROBE_INTERVAL')
        .argParser(durationArg)
        .default(d.probeIntervalMs, `${d.probeIntervalMs}ms`),
    )
    .addOption(
      envOption('--probe-timeout <duration>', 'ping answer and connect timeout', 'PROBE_TIMEOUT')
        .argParser(durationArg)
        .default(d.probeTimeoutMs, `${d.probeTimeoutMs}ms`),
    )
    .addOption(
      envOption(
        '--probe-backoff-max <duration>',
        'longest wait between connection attempts to a replica that cannot be reached (doubling from the probe interval after 4 failures)',
        'PROBE_BACKOFF_MAX',
      )
        .argParser(durationArg)
        .default(d.probeBackoffMaxMs, `${d.probeBackoffMaxMs / 1000}s`),
    )
    .addOption(
      envOption('--rise <n>', 'answered probes in a row to bring a replica up', 'RISE')
        .argParser(intArg(1, 1000))
        .default(d.rise),
    )
    .addOption(
      envOption('--fall <n>', 'failed probes in a row to take a replica down', 'FALL')
        .argParser(intArg(1, 1000))
        .default(d.fall),
    )
    .addOption(
      envOption(
        '--failure-ratio <0..1>',
        'take a replica down when this share of its recent transfers failed (0: off)',
        'FAILURE_RATIO',
      )
        .argParser(fractionArg)
        .default(d.failureRatio),
    )
    .addOption(
      envOption(
        '--failure-min <n>',
        'failed transfers needed before --failure-ratio counts',
        'FAILURE_MIN',
      )
        .argParser(intArg(1, 1000))
        .default(d.failureMin),
    )
    .addOption(
      envOption(
        '--reload-interval <duration>',
        'how often to re-read the servers file and DNS',
        'RELOAD_INTERVAL',
      )
        .argParser(durationArg)
        .default(d.reloadIntervalMs, `${d.reloadIntervalMs / 1000}s`),
    )
    .option(
      '--healthcheck',
      'ask the balancer running with these settings whether it is ready; exit 0 (yes) or 1',
    )
    .addOption(
      envOption(
        '--legacy-wait <duration>',
        "a client silent this long is answered in the original project's format (0: off)",
        'LEGACY_WAIT',
      )
        .argParser(durationArg)
        .default(d.legacySilenceMs, `${d.legacySilenceMs}ms`),
    )
    .addOption(
      envOption(
        '--query <policy>',
        "what a query string adds to the path the consistent strategy hashes: keep, ignore, or allow=NAME,NAME (as the replicas' --query)",
        'QUERY',
      )
        .argParser(queryPolicyArg)
        .default(formatQueryPolicy(d.query)),
    )
    .parse()
    .opts<CliOptions>();
}

async function main(): Promise<void> {
  loadEnvFile();
  const options = parseArgs();
  if (options.healthcheck)
    await exitWithHealth(ROLE, () => checkBalancer(options.host, options.port));
  const eventLog = openEventLog(ROLE, options.log, options.logLevel);
  const line = (message: string): void => say(ROLE, message);
  try {
    const balancer = await startBalancer({
      host: options.host,
      port: options.port,
      serversFile: options.servers,
      shieldsFile: options.shields,
      strategy: options.strategy,
      topology: options.topology,
      defaultRegion: options.defaultRegion,
      probeIntervalMs: options.probeInterval,
      probeTimeoutMs: options.probeTimeout,
      probeBackoffMaxMs: options.probeBackoffMax,
      rise: options.rise,
      fall: options.fall,
      failureRatio: options.failureRatio,
      failureMin: options.failureMin,
      reloadIntervalMs: options.reloadInterval,
      legacySilenceMs: options.legacyWait,
      query: options.query,
      logRequests: options.logRequests,
      admin: adminSettingsOf(options),
      limits: limitsOf(options),
      log: eventLog.log,
      say: line,
    });
    const count = balancer.snapshot().length;
    line(
      `routing on ${balancer.endpoint.id} across ${count} replica${count === 1 ? '' : 's'} ` +
        `from ${options.servers}, strategy ${balancer.strategy}` +
        (options.shields
          ? `, ${balancer.shields().length} shield(s) from ${options.shields}`
          : '') +
        (balancer.regions
          ? `, regions ${balancer.regions.names.join(', ')} from ${balancer.settings.topology?.source ?? '?'}`
          : ''),
    );
    if (balancer.admin) line(`admin API and dashboard on ${balancer.admin.url}`);
    serveUntilStopped({
      role: ROLE,
      eventLog,
      ready: {
        host: balancer.endpoint.host,
        port: balancer.endpoint.port,
        ...(balancer.admin ? { adminUrl: balancer.admin.url } : {}),
      },
      stopping: 'answering what is in flight, then stopping',
      stop: () => balancer.close(),
    });
  } catch (error) {
    eventLog.close();
    throw error;
  }
}

void runMain('cdn-balancer', main);
