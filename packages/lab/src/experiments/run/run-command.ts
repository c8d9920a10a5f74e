import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { envOption, onStopSignals } from '@cdn-lab/common';
import { renderExperimentReport, timeseriesCsv } from '@cdn-lab/report';
import { labAdminPortOption, labOriginPortOption, labPortOption } from '../../lab-flags.js';
import { LAB_DEFAULTS } from '../../lab-options.js';
import {
  loadScenario,
  parseCompare,
  parseFieldOverride,
  scenarioVariants,
} from '../scenario/index.js';
import { defaultRunFolder, probeRunFolder } from './run-folder.js';
import { runScenario, type RunResult } from './run-scenario.js';
import type { VariantSummary } from './summary-json.js';
import { variantInput } from './variant-inputs.js';

interface RunFlags {
  out?: string;
  compare?: string;
  set: string[];
  dir: string;
  port: number;
  originPort: number;
  adminPort: number;
  json?: boolean;
}

function printRoleLine(name: string, line: string): void {
  if (line.includes('exited unexpectedly')) process.stderr.write(`  ${name} ${line}\n`);
}

function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

/** Percentiles of no download at all are not 0 ms: shown as `–`. */
function percentile(value: number, downloads: number): string {
  return downloads === 0 ? '–' : ms(value);
}

/** `strategy=consistent: 2210 requests, 0 failed, 14 failovers, p50 4.1 ms, p99 38 ms, …` */
export function variantLine(variant: VariantSummary): string {
  const edge = variant.hitRatio['edge'];
  const hit = edge === null || edge === undefined ? '' : `, edge hit ratio ${edge.toFixed(2)}`;
  return (
    `${variant.label}: ${variant.requests} requests, ${variant.failed} failed, ` +
    `${variant.failovers} failovers, p50 ${percentile(variant.latencyMs.p50, variant.ok)}, p99 ${percentile(variant.latencyMs.p99, variant.ok)}, ` +
    `${variant.originFetches} origin fetches${hit}`
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Reads and checks everything first (a mistake: one line, exit 2, nothing started), then runs
 * each variant in a fresh lab and writes the run folder. Ctrl-C stops the load and the lab,
 * writes what was recorded and exits 130.
 */
async function run(file: string, flags: RunFlags): Promise<void> {
  const overrides = flags.set.map((text) => parseFieldOverride(text));
  const given = flags.compare === undefined ? null : parseCompare(flags.compare);
  const loaded = loadScenario(resolve(file), { overrides });
  const compare = given ?? loaded.compare;
  const variants = scenarioVariants(loaded, compare).map(variantInput);
  const { scenario } = loaded;
  const out = resolve(flags.out ?? defaultRunFolder(flags.dir, scenario.name, new Date()));
  await probeRunFolder(out);

  const controller = new AbortController();
  let finished: Promise<void> = Promise.resolve();
  onStopSignals(async () => {
    process.stderr.write('[run] stopping: the load, then the lab; writing what was recorded\n');
    controller.abort();
    await finished.catch(() => undefined);
    return 130;
  });
  const running = runScenario({
    name: scenario.name,
    description: scenario.description,
    text: loaded.text,
    file: loaded.file,
    compared: compare?.field ?? null,
    overrides: flags.set,
    variants,
    out,
    place: {
      dir: resolve(flags.dir, 'run'),
      port: flags.port,
      originPort: flags.originPort,
      adminPort: flags.adminPort,
      onLine: printRoleLine,
    },
    render: { html: renderExperimentReport, csv: timeseriesCsv },
    signal: controller.signal,
    progress: process.stderr,
  });
  finished = running.then((result) => print(result, flags));
  await finished;
}

function print({ reportPath, summary }: RunResult, flags: RunFlags): void {
  const shown = relative(process.cwd(), reportPath) || reportPath;
  if (summary.failure) {
    const { variant, reason } = summary.failure;
    process.stderr.write(`[run] ${variant} failed: ${reason}; what was recorded: ${shown}\n`);
    process.exitCode = 1;
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [
    `${summary.partial ? 'partial run (stopped early)' : 'run complete'}: ${shown}`,
    ...summary.variants.map((variant) => `  ${variantLine(variant)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function addRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'run a scenario file on a fresh local lab (or one lab per value compared) and write a folder with report.html, timeseries.csv, summary.json and scenario.yml',
    )
    .argument('<scenario.yml>', 'the scenario (see scenarios/ and docs/experiments.md)')
    .option('--out <dir>', 'the run folder (default: a new .lab/runs/<YYYYMMDD-HHMMSS>-<name>)')
    .option(
      '--compare <field=v1,v2,…>',
      "one run per value, overlaid in one report (replaces the file's compare), e.g. strategy=consistent,p2c-ewma",
    )
    .option(
      '--set <field=value>',
      'replace one field of the file, e.g. lab.replicas=3 (repeatable)',
      collect,
      [],
    )
    .addOption(
      envOption('--dir <dir>', 'lab working folder (the labs run in <dir>/run)', 'LAB_DIR').default(
        LAB_DEFAULTS.dir,
      ),
    )
    .addOption(labPortOption())
    .addOption(labOriginPortOption())
    .addOption(
      labAdminPortOption(
        'balancer admin port; replica admins on their own address at this + 1 (0: any free)',
        0,
      ),
    )
    .option('--json', 'print summary.json instead of the text summary')
    .addHelpText(
      'after',
      `
Example:
  cdn-lab run scenarios/replica-crash.yml
  cdn-lab run scenarios/slow-replica.yml --compare strategy=consistent,p2c-ewma,round-robin
  cdn-lab run scenarios/replica-crash.yml --set load.duration=20s --out /tmp/crash

Exit code 0 when the run completed (failed downloads are results), 1 when a variant failed
(the variants before it are written, partial), 2 for a mistake in the scenario or the flags or
an --out that cannot be written (nothing is started), 130 after Ctrl-C (what was recorded is
written).`,
    )
    .action((file: string, flags: RunFlags) => run(file, flags));
}
