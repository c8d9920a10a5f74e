#!/usr/bin/env node
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_TOPOLOGY_FILE,
  envOption,
  loadTopology,
  intArg,
  bytesArg,
  loadEnvFile,
  newProgram,
  onStopSignals,
  portArg,
  runMain,
  say,
} from '@cdn-lab/common';
import { DEFAULT_STRATEGY } from '@cdn-lab/balancer';
import { requestRoute } from '@cdn-lab/client';
import { join, resolve } from 'node:path';
import type { Topology } from '@cdn-lab/common';
import { runDemoLoad } from './demo.js';
import { addRunCommand } from './experiments/run/run-command.js';
import { addFaultCommands } from './fault-commands.js';
import { startLab, type Lab } from './lab.js';
import { LAB_DEFAULTS, MAX_REPLICAS, MAX_SHIELDS, type LabOptions } from './lab-options.js';
import { labAdminPortOption, labOriginPortOption, labPortOption } from './lab-flags.js';
import { labSummary } from './summary.js';
import { runSoak } from './soak.js';
import { formatSoak } from './soak-report.js';
import { waitForRoutes } from './wait-for-routes.js';

const DEMO_MAX_OBJECT = 1024 * 1024;
/** The balancer's default strategy when it is given a topology. */
const TOPOLOGY_STRATEGY = 'nearest';

interface UpFlags {
  replicas: number;
  /** --replicas was given (flag or environment), not its default. */
  replicasGiven?: boolean;
  shield: number;
  topology?: string;
  port: number;
  originPort: number;
  dir: string;
  strategy?: string;
  maxObjectBytes?: number;
  adminPort?: number;
}

function printRoleLine(name: string, line: string): void {
  process.stderr.write(`  ${name.padEnd(10)} ${line.replace(/^\[\w+\] /, '')}\n`);
}

function labOptions(
  flags: UpFlags,
  onLine: LabOptions['onLine'],
  topology: Topology | null = null,
): LabOptions {
  return {
    ...LAB_DEFAULTS,
    dir: flags.dir,
    replicas: flags.replicas,
    port: flags.port,
    originPort: flags.originPort,
    strategy: flags.strategy,
    maxObjectBytes: flags.maxObjectBytes,
    adminPort: flags.adminPort ?? null,
    topology,
    replicasPerRegion: topology && flags.replicasGiven ? flags.replicas : null,
    shields: flags.shield,
    onLine,
  };
}

async function up(flags: UpFlags): Promise<void> {
  // The file is read first, so a wrong one is one line and nothing starts.
  const topology = flags.topology === undefined ? null : loadTopology(resolve(flags.topology));
  const shields = flags.shield > 0 ? `, ${flags.shield} shield${flags.shield > 1 ? 's' : ''}` : '';
  say(
    'lab',
    topology
      ? `starting the world of ${flags.topology}: origin${shields}, regions ${topology.regions.map((r) => r.name).join(', ')} and a balancer in ${flags.dir}/`
      : `starting origin${shields}, ${flags.replicas} replicas and a balancer in ${flags.dir}/`,
  );
  const starting = startLab(labOptions(flags, printRoleLine, topology));
  let stopping = false;
  onStopSignals(async () => {
    stopping = true;
    // A Ctrl-C during start-up waits for it to finish, so no started role is left behind.
    const lab = await starting.catch(() => undefined);
    if (!lab) return 130;
    say(
      'lab',
      lab.shields.length > 0
        ? 'stopping: balancer first, then edges (finishing their transfers), then shields, then origin'
        : 'stopping: balancer first, then replicas (finishing their transfers), then origin',
    );
    const exits = await lab.stop();
    const failed = exits.filter((exit) => exit.code !== 0);
    const described = failed.map(
      (exit) => `${exit.name} (${exit.signal ?? `exit code ${exit.code}`})`,
    );
    say('lab', failed.length === 0 ? 'all stopped' : `stopped abnormally: ${described.join(', ')}`);
    return failed.length === 0 ? 0 : 1;
  });
  const lab = await starting;
  if (stopping) return;
  const { host, port } = lab.balancer.ready;
  await waitForRoutes(host, port, 10_000);
  const strategy =
    flags.strategy ?? (flags.topology === undefined ? DEFAULT_STRATEGY : TOPOLOGY_STRATEGY);
  if (!stopping) process.stdout.write(labSummary(lab, strategy));
}

interface DemoFlags {
  server: string;
  port: number;
  dir: string;
  requests: number;
  concurrency: number;
}

async function isBalancerUp(host: string, port: number): Promise<boolean> {
  try {
    await requestRoute({ host, port }, null);
    return true;
  } catch (error) {
    return (error as { code?: string }).code !== 'balancer_unreachable';
  }
}

async function demo(flags: DemoFlags): Promise<void> {
  let lab: Lab | undefined;
  if (!(await isBalancerUp(flags.server, flags.port))) {
    say('lab', `no balancer at ${flags.server}:${flags.port}; starting a lab for this demo`);
    lab = await startLab(
      labOptions(
        {
          ...{ replicas: LAB_DEFAULTS.replicas, shield: LAB_DEFAULTS.shields },
          ...{ port: flags.port, originPort: 0, dir: flags.dir },
        },
        () => undefined,
      ),
    );
    await waitForRoutes(flags.server, flags.port, 10_000);
  }
  try {
    say('lab', `running ${flags.requests} downloads at concurrency ${flags.concurrency}…`);
    const { report, text } = await runDemoLoad({
      host: flags.server,
      port: flags.port,
      siteDir: join(flags.dir, 'site'),
      requests: flags.requests,
      concurrency: flags.concurrency,
      maxObjectBytes: DEMO_MAX_OBJECT,
    });
    process.stdout.write(`${text}\n`);
    process.exitCode = report.failed === 0 ? 0 : 1;
  } finally {
    await lab?.stop();
  }
}

function addUp(program: Command): void {
  program
    .command('up')
    .description(
      'start origin, replicas and balancer on loopback (--topology [file]: a world of regions; --shield n: a shield tier); Ctrl-C stops them all',
    )
    .addOption(
      envOption(
        '--replicas <n>',
        "how many replicas (with --topology: in every region, instead of the file's counts)",
        'LAB_REPLICAS',
      )
        .argParser(intArg(1, MAX_REPLICAS))
        .default(LAB_DEFAULTS.replicas),
    )
    .addOption(
      envOption(
        '--shield <n>',
        "put n shield replicas between the edges and the origin (each edge's parents; with --topology in the origin's region); 0: none",
        'LAB_SHIELDS',
      )
        .argParser(intArg(0, MAX_SHIELDS))
        .default(LAB_DEFAULTS.shields),
    )
    .addOption(
      envOption(
        '--topology [file]',
        "start a world of regions: each region's replicas at 127.R.0.n, clients at 127.R.200.x, distance between them (no file: topologies/three-regions.yml)",
        'TOPOLOGY',
      ).preset(DEFAULT_TOPOLOGY_FILE),
    )
    .addOption(labPortOption())
    .addOption(labOriginPortOption())
    .addOption(envOption('--dir <dir>', 'working folder', 'LAB_DIR').default(LAB_DEFAULTS.dir))
    .addOption(
      labAdminPortOption(
        'balancer admin and dashboard port; replica admins on their own address at this + 1 (0: any free)',
        LAB_DEFAULTS.adminPort,
      ),
    )
    .addOption(envOption('--strategy <name>', 'balancer strategy', 'STRATEGY'))
    .addOption(
      envOption(
        '--max-object-bytes <size>',
        'leave larger demo objects out',
        'LAB_MAX_OBJECT',
      ).argParser(bytesArg),
    )
    .action((flags: UpFlags, command: Command) =>
      up({ ...flags, replicasGiven: command.getOptionValueSource('replicas') !== 'default' }),
    );
}

function addDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run a short load through the balancer and print the report (starts a lab if none runs)',
    )
    .addOption(
      envOption('-s, --server <host>', 'balancer host', 'BALANCER_HOST').default(
        LAB_DEFAULTS.balancerHost,
      ),
    )
    .addOption(
      envOption('-p, --port <port>', 'balancer port', 'BALANCER_PORT')
        .argParser(portArg)
        .default(LAB_DEFAULTS.port),
    )
    .addOption(envOption('--dir <dir>', 'lab working folder', 'LAB_DIR').default(LAB_DEFAULTS.dir))
    .addOption(
      envOption('--requests <n>', 'downloads to run', 'REQUESTS').argParser(intArg(1)).default(200),
    )
    .addOption(
      envOption('--concurrency <n>', 'downloads at once', 'CONCURRENCY')
        .argParser(intArg(1, 1024))
        .default(8),
    )
    .action((flags: DemoFlags) => demo(flags));
}

interface SoakFlags {
  minutes: number;
  replicas: number;
  concurrency: number;
  json?: boolean;
}

function addSoak(program: Command): void {
  program
    .command('soak')
    .description(
      'start a lab, run a mixed load while switching faults on and off, then report requests, errors by cause, verified digests and memory (heap after a full collection, judged by its trend; resident memory beside it); exit code 1 when a heap grew or nothing succeeded',
    )
    .addOption(
      envOption('--minutes <n>', 'how long to run (fractions allowed: 0.5)', 'SOAK_MINUTES')
        .argParser(positiveNumberArg)
        .default(10),
    )
    .addOption(
      envOption('--replicas <n>', 'how many replicas', 'SOAK_REPLICAS')
        .argParser(intArg(2, 50))
        .default(3),
    )
    .addOption(
      envOption('--concurrency <n>', 'downloads at once', 'SOAK_CONCURRENCY')
        .argParser(intArg(1, 1024))
        .default(8),
    )
    .option('--json', 'print the report as JSON')
    .action(async (flags: SoakFlags) => {
      say(
        'lab',
        `soak: ${flags.minutes} min, ${flags.replicas} replicas, concurrency ${flags.concurrency}`,
      );
      const report = await runSoak({
        durationMs: Math.round(flags.minutes * 60_000),
        replicas: flags.replicas,
        concurrency: flags.concurrency,
        onLine: (line) => say('soak', line),
      });
      process.stdout.write(
        `${flags.json ? JSON.stringify(report, null, 2) : formatSoak(report)}\n`,
      );
      process.exitCode = report.memoryOk && report.ok > 0 ? 0 : 1;
    });
}

function positiveNumberArg(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError('expected a number above 0');
  }
  return value;
}

await runMain('cdn-lab', async () => {
  loadEnvFile();
  const program = newProgram(
    'cdn-lab',
    'Run a whole CDN on this machine, on loopback, with no Docker.',
  );
  addUp(program);
  addDemo(program);
  addSoak(program);
  addRunCommand(program);
  addFaultCommands(program);
  await program.parseAsync();
});
