import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b10Address } from './b10-addresses.js';
import { B10Balancer } from './b10-balancer.js';
import { floorTiming, type FloorTiming } from './b10-floor.js';
import { distinctPaths, zipfPaths } from './b10-paths.js';
import { startBareProber } from './b10-prober.js';
import { startResponder } from './b10-responder.js';
import { resultRow } from './result-row.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

const TOPOLOGY = fileURLToPath(new URL('../../../topologies/three-regions.yml', import.meta.url));
/** A client address in the topology's eu zone, so `nearest` places it. */
const CLIENT = '127.1.200.1';
const STRATEGIES = ['round-robin', 'least-loaded', 'p2c-ewma', 'consistent', 'nearest'];
const GOAL_STRATEGIES = ['consistent', 'nearest'];
const PROBE_INTERVAL_MS = 250;
const CPU_GOAL_PERCENT = 10;
const DECISION_GOAL_US = 50;
const MB = 1_000_000;

interface Sizes {
  replicas: number[];
  decisions: number;
  objects: number;
  settleMs: number;
  windowS: number;
}

const FULL: Sizes = {
  replicas: [10, 100, 1000],
  decisions: 10_000,
  objects: 10_000,
  settleMs: 1500,
  windowS: 3,
};
const SMOKE: Sizes = {
  replicas: [3, 6, 12],
  decisions: 300,
  objects: 100,
  settleMs: 100,
  windowS: 0.3,
};

interface Timing {
  p50Us: number;
  p99Us: number;
}

/** One run's figures. */
interface RunFigures {
  cpuPercent: number;
  bareCpuPercent: number;
  rss: number;
  bareRss: number;
  heapUsed: number;
  smallHeapUsed: number;
  /** By strategy, then replica count: Zipf paths. */
  zipf: Map<string, Map<number, Timing>>;
  /** By strategy at the largest count: every path different. */
  distinct: Map<string, Timing>;
  floor: FloorTiming;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Seconds on a CPU of every thread of a process, from each thread's schedstat (nanoseconds;
 * /proc/PID/stat counts in 1/100 s, too coarse for a short window at a few percent).
 */
async function threadCpuSeconds(pid: number): Promise<number> {
  const threads = await readdir(`/proc/${pid}/task`).catch(() => []);
  let total = 0;
  for (const thread of threads) {
    const stat = await readFile(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').catch(() => '0');
    total += Number(stat.split(' ')[0]) / 1e9;
  }
  return total;
}

/** CPU of a process over `seconds`, as a percentage of one core. */
async function cpuPercentOver(pid: number, seconds: number): Promise<number> {
  const before = await threadCpuSeconds(pid);
  const started = performance.now();
  await pause(seconds * 1000);
  const used = (await threadCpuSeconds(pid)) - before;
  return (used * 100) / ((performance.now() - started) / 1000);
}

async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function serversFile(dir: string, replicas: number, port: number): Promise<string> {
  const file = join(dir, `servers-${replicas}.txt`);
  const lines = Array.from({ length: replicas }, (_, index) => `${b10Address(index)}:${port}\n`);
  await writeFile(file, lines.join(''));
  return file;
}

async function measureRun(dir: string, sizes: Sizes, port: number): Promise<RunFigures> {
  const largest = sizes.replicas[sizes.replicas.length - 1] as number;
  const smallest = sizes.replicas[0] as number;
  const zipf = zipfPaths(sizes.objects, sizes.decisions, 10);
  const distinct = distinctPaths(sizes.decisions);
  const figures: Partial<RunFigures> = { zipf: new Map(), distinct: new Map() };
  for (const strategy of STRATEGIES) figures.zipf?.set(strategy, new Map());
  for (const replicas of sizes.replicas) {
    const balancer = await B10Balancer.start({
      serversFile: await serversFile(dir, replicas, port),
      topologyFile: TOPOLOGY,
      expectUp: replicas,
    });
    try {
      await pause(sizes.settleMs);
      if (replicas === largest) {
        figures.cpuPercent = await cpuPercentOver(balancer.pid, sizes.windowS);
      }
      for (const strategy of STRATEGIES) {
        const timing = await balancer.timeDecisions(strategy, CLIENT, zipf);
        figures.zipf?.get(strategy)?.set(replicas, timing);
        if (replicas === largest && GOAL_STRATEGIES.includes(strategy)) {
          figures.distinct?.set(strategy, await balancer.timeDecisions(strategy, CLIENT, distinct));
        }
      }
      const memory = await balancer.memory();
      if (replicas === largest) {
        figures.rss = memory.rss;
        figures.heapUsed = memory.heapUsed;
      }
      if (replicas === smallest) figures.smallHeapUsed = memory.heapUsed;
    } finally {
      await balancer.stop();
    }
  }
  const bare = await startBareProber(largest, port, PROBE_INTERVAL_MS);
  try {
    await pause(sizes.settleMs);
    figures.bareCpuPercent = await cpuPercentOver(bare.pid, sizes.windowS);
    figures.bareRss = await residentBytes(bare.pid);
  } finally {
    await bare.stop();
  }
  figures.floor = await floorTiming(largest, sizes.decisions, sizes.objects);
  return figures as RunFigures;
}

function timingOf(runs: RunFigures[], pick: (run: RunFigures) => Timing | undefined): Timing {
  const timings = runs.map(pick).filter((timing): timing is Timing => timing !== undefined);
  return {
    p50Us: median(timings.map((timing) => timing.p50Us)),
    p99Us: median(timings.map((timing) => timing.p99Us)),
  };
}

function decisionRows(runs: RunFigures[], sizes: Sizes): ResultRow[] {
  const rows: ResultRow[] = [];
  const smallest = sizes.replicas[0] as number;
  const largest = sizes.replicas[sizes.replicas.length - 1] as number;
  const floor = timingOf(runs, (run) => run.floor.zipf);
  for (const strategy of STRATEGIES) {
    const at = (replicas: number): Timing =>
      timingOf(runs, (run) => run.zipf.get(strategy)?.get(replicas));
    const base = at(smallest);
    for (const replicas of sizes.replicas) {
      const timing = at(replicas);
      const goal = replicas === largest && GOAL_STRATEGIES.includes(strategy);
      const name = `${strategy} decision at ${replicas} replicas, Zipf paths`;
      rows.push(
        resultRow(`${name}, p50`, 'µs', timing.p50Us, floor.p50Us, 'bare hash+index', '', null),
      );
      rows.push(
        replicas === smallest
          ? resultRow(`${name}, p99`, 'µs', timing.p99Us, floor.p99Us, 'bare hash+index', '', null)
          : resultRow(
              `${name}, p99`,
              'µs',
              timing.p99Us,
              base.p99Us,
              `${smallest} replicas`,
              goal ? `≤ ${DECISION_GOAL_US} µs` : '',
              goal ? timing.p99Us <= DECISION_GOAL_US : null,
            ),
      );
    }
  }
  for (const strategy of GOAL_STRATEGIES) {
    const timing = timingOf(runs, (run) => run.distinct.get(strategy));
    const zipf = timingOf(runs, (run) => run.zipf.get(strategy)?.get(largest));
    rows.push(
      resultRow(
        `${strategy} decision at ${largest} replicas, every path different, p99`,
        'µs',
        timing.p99Us,
        zipf.p99Us,
        'Zipf paths',
        `≤ ${DECISION_GOAL_US} µs`,
        timing.p99Us <= DECISION_GOAL_US,
      ),
    );
  }
  return rows;
}

export const b10: Benchmark = {
  id: 'B10',
  title: 'the balancer at scale: probing CPU, decision time and memory at 10 to 1 000 replicas',
  run: (settings) =>
    withDir(settings.tmpDir, 'b10', async (dir): Promise<BenchResult> => {
      const sizes = settings.smoke ? SMOKE : FULL;
      const largest = sizes.replicas[sizes.replicas.length - 1] as number;
      const smallest = sizes.replicas[0] as number;
      const responder = await startResponder(largest);
      try {
        const runs = await repeat(settings.runs, () => measureRun(dir, sizes, responder.port));
        const cpu = median(runs.map((run) => run.cpuPercent));
        const bareCpu = median(runs.map((run) => run.bareCpuPercent));
        const rss = median(runs.map((run) => run.rss)) / MB;
        const bareRss = median(runs.map((run) => run.bareRss)) / MB;
        const heap = median(runs.map((run) => run.heapUsed)) / MB;
        const smallHeap = median(runs.map((run) => run.smallHeapUsed)) / MB;
        return {
          id: 'B10',
          title: b10.title,
          runs: settings.runs,
          rows: [
            resultRow(
              `probing ${largest} replicas every ${PROBE_INTERVAL_MS} ms: balancer CPU, % of one core`,
              '%',
              cpu,
              bareCpu,
              'bare-Node prober',
              `≤ ${CPU_GOAL_PERCENT} %`,
              cpu <= CPU_GOAL_PERCENT,
            ),
            ...decisionRows(runs, sizes),
            resultRow(
              `balancer resident memory at ${largest} replicas`,
              'MB',
              rss,
              bareRss,
              'bare-Node prober',
              '',
              null,
            ),
            resultRow(
              `balancer heap used at ${largest} replicas`,
              'MB',
              heap,
              smallHeap,
              `${smallest} replicas`,
              '',
              null,
            ),
          ],
          commands: [
            `one responder process answering probes for ${largest} loopback addresses ` +
              `(127.10.x.y, one port; a valid idle load report naming eu, us or ap); a balancer ` +
              `process (startBalancer, default probe settings, topology ${'topologies/three-regions.yml'}) ` +
              `per size over a servers file of the first ${sizes.replicas.join(' / ')} of them`,
            `CPU: the balancer's time on a CPU (every thread's schedstat) over ${sizes.windowS} s once every replica is up; ` +
              `the peer: one process with ${largest} connections, one timer writing a ping to each ` +
              `every ${PROBE_INTERVAL_MS} ms and parsing every pong`,
            `decisions: ${sizes.decisions} explain() calls per strategy and size inside the balancer ` +
              `process (the route's own choose: views, placement, strategy, alternates), each timed, ` +
              `${sizes.objects} objects Zipf (s = 1), client ${CLIENT} (eu); peer: FNV-1a of the ` +
              'path + an array index, timed the same way in a process of its own',
          ],
          notes: ['memory: process.memoryUsage() in the balancer after the decisions; peer VmRSS'],
        };
      } finally {
        await responder.stop();
      }
    }),
};
