#!/usr/bin/env node
import {
  UserError,
  durationArg,
  endpointId,
  envOption,
  intArg,
  loadEnvFile,
  newProgram,
  onStopSignals,
  openEventLog,
  portArg,
  runMain,
  say,
  durationDefaultSecondsArg,
  DEFAULT_TOPOLOGY_FILE,
  loadTopology,
  type Logger,
} from '@cdn-lab/common';
import { unlink } from 'node:fs/promises';
import { DEFAULT_MAX_ROUTE_ATTEMPTS, download } from './download.js';
import { runLoad } from './load.js';
import { defaultOutputName } from './output-name.js';
import { readPathsFile } from './paths-file.js';
import { downloadProgressBar, loadProgressBar, type Progress } from './progress-bar.js';
import { shouldShowProgress } from './progress-format.js';
import { bindRegion, type RegionBinding } from './region-binding.js';
import { formatDownload, formatReport } from './report.js';
import { DEFAULT_TIMEOUT_MS } from './route.js';
import { tempPathFor } from './sink.js';

interface Flags {
  server: string;
  port: number;
  log?: string;
  path?: string;
  output?: string;
  requests?: number;
  concurrency: number;
  duration?: number;
  paths?: string;
  json?: boolean;
  timeout: number;
  retries: number;
  quiet?: boolean;
  region?: string;
  topology: string;
}

function parseFlags(argv: string[]): Flags {
  const program = newProgram(
    'cdn-client',
    'Fetch an object through the cdn-lab balancer and verify it, or run a load and print a report.',
  )
    .addOption(
      envOption('-s, --server <host>', 'balancer host', 'BALANCER_HOST').default('127.0.0.1'),
    )
    .addOption(
      envOption('-p, --port <port>', 'balancer port', 'BALANCER_PORT')
        .argParser(portArg)
        .default(9000),
    )
    .addOption(envOption('-l, --log <file>', 'write JSON-lines events to this file', 'CLIENT_LOG'))
    .addOption(
      envOption(
        '--path <path>',
        "object path, starting with '/' (default: the replicas' default object)",
        'CLIENT_PATH',
      ),
    )
    .addOption(
      envOption(
        '-o, --output <file>',
        "where to save it, '-' for stdout (default: website.html without --path, else the path's file name)",
        'CLIENT_OUTPUT',
      ),
    )
    .addOption(
      envOption('--requests <n>', 'load mode: number of requests', 'CLIENT_REQUESTS').argParser(
        intArg(1),
      ),
    )
    .addOption(
      envOption('--concurrency <n>', 'load mode: parallel workers', 'CONCURRENCY')
        .argParser(intArg(1, 10_000))
        .default(4),
    )
    .addOption(
      envOption(
        '--duration <seconds>',
        'load mode: keep starting requests for this long (e.g. 30 or 2m)',
        'CLIENT_DURATION',
      ).argParser(durationDefaultSecondsArg),
    )
    .addOption(
      envOption(
        '--paths <file>',
        'load mode: object paths, one a line (# comments)',
        'CLIENT_PATHS',
      ),
    )
    .addOption(
      envOption('--json', 'print the load report (or the download result) as JSON', 'CLIENT_JSON'),
    )
    .addOption(
      envOption(
        '--quiet',
        'no progress bar (it is only drawn when stderr is a terminal anyway)',
        'CLIENT_QUIET',
      ),
    )
    .addOption(
      envOption(
        '--timeout <duration>',
        'connect timeout and longest silence on a connection (e.g. 10s, 500ms)',
        'CLIENT_TIMEOUT',
      )
        .argParser(durationArg)
        .default(DEFAULT_TIMEOUT_MS, '10s'),
    )
    .addOption(
      envOption(
        '--retries <n>',
        'times to ask the balancer for a route before giving up',
        'CLIENT_RETRIES',
      )
        .argParser(intArg(1, 100))
        .default(DEFAULT_MAX_ROUTE_ATTEMPTS),
    )
    .addOption(
      envOption(
        '--region <name>',
        "be a client in this region of the topology: connect from one of its addresses (this host's inside its clients ranges, else its loopback ones, 127.R.200.x) and send it as the route hint",
        'REGION',
      ),
    )
    .addOption(
      envOption('--topology <file>', 'the topology --region names a region of', 'TOPOLOGY').default(
        DEFAULT_TOPOLOGY_FILE,
        'topologies/three-regions.yml',
      ),
    );
  program.parse(argv);
  const flags = program.opts<Flags>();
  if (flags.path !== undefined && !flags.path.startsWith('/')) {
    throw new UserError(`--path must start with "/", got "${flags.path}"`, 2);
  }
  if (flags.timeout <= 0) throw new UserError('--timeout must be more than 0', 2);
  return flags;
}

function showProgress(flags: Flags): boolean {
  return shouldShowProgress({
    stderrIsTTY: process.stderr.isTTY,
    quiet: flags.quiet === true,
    term: process.env['TERM'],
  });
}

/** Runs `work` with a progress bar (or none), always erasing the bar before anything is printed. */
async function withProgress<T, R>(
  progress: Progress<T> | null,
  work: (onProgress: ((update: T) => void) | undefined) => Promise<R>,
): Promise<R> {
  try {
    return await work(progress ? (update) => progress.update(update) : undefined);
  } finally {
    progress?.stop();
  }
}

/** The region binding of --region, or none; an unknown region is a one-line error. */
function regionOf(flags: Flags): RegionBinding | undefined {
  if (flags.region === undefined) return undefined;
  return bindRegion(loadTopology(flags.topology), flags.region);
}

function isLoadMode(flags: Flags): boolean {
  return flags.requests !== undefined || flags.duration !== undefined || flags.paths !== undefined;
}

async function downloadOne(
  flags: Flags,
  log: Logger,
  region: RegionBinding | undefined,
): Promise<void> {
  const path = flags.path ?? null;
  const sink = flags.output ?? defaultOutputName(path);
  const progress = showProgress(flags) ? downloadProgressBar(process.stderr) : null;
  if (sink !== '-') {
    // Ctrl-C must not leave the partial file behind.
    onStopSignals(async () => {
      progress?.stop();
      await unlink(tempPathFor(sink)).catch(() => undefined);
      say('client', 'interrupted; the partial download was removed');
      return 130;
    });
  }
  const result = await withProgress(progress, (onProgress) =>
    download({
      balancer: { host: flags.server, port: flags.port },
      path,
      sink,
      maxRouteAttempts: flags.retries,
      timeoutMs: flags.timeout,
      log,
      onProgress,
      region,
    }),
  );
  say('client', formatDownload(result));
  if (flags.json && sink !== '-') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

async function loadRun(
  flags: Flags,
  log: Logger,
  region: RegionBinding | undefined,
): Promise<void> {
  const paths = flags.paths ? await readPathsFile(flags.paths) : [flags.path ?? null];
  const amount =
    flags.requests !== undefined
      ? `${flags.requests} requests`
      : flags.duration !== undefined
        ? `${flags.duration / 1000} s`
        : `${paths.length} requests`;
  say(
    'client',
    `load: ${amount} at concurrency ${flags.concurrency} over ${paths.length} path(s) via balancer ${endpointId(flags.server, flags.port)}${region ? ` as a client in ${region.region}` : ''}`,
  );
  const requests = flags.requests ?? (flags.duration === undefined ? paths.length : undefined);
  const progress = showProgress(flags)
    ? loadProgressBar(process.stderr, { requests, durationMs: flags.duration })
    : null;
  const report = await withProgress(progress, (onProgress) =>
    runLoad({
      balancer: { host: flags.server, port: flags.port },
      paths,
      requests: flags.requests,
      durationMs: flags.duration,
      concurrency: flags.concurrency,
      timeoutMs: flags.timeout,
      maxRouteAttempts: flags.retries,
      log,
      onProgress,
      region,
    }),
  );
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (report.failed > 0) {
    const codes = Object.entries(report.errorsByCode)
      .map(([code, count]) => `${code} ×${count}`)
      .join(', ');
    say('client', `${report.failed} of ${report.requests} requests failed (${codes})`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  loadEnvFile();
  const flags = parseFlags(process.argv);
  const region = regionOf(flags);
  const { log, close } = openEventLog('client', flags.log);
  try {
    await (isLoadMode(flags) ? loadRun(flags, log, region) : downloadOne(flags, log, region));
  } finally {
    close();
  }
}

void runMain('cdn-client', main);
