import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadReport } from '@cdn-lab/client';
import type { DemoManifest } from '@cdn-lab/origin';
import { adminRequest } from './admin-request.js';
import { startLab } from './lab.js';
import { LAB_DEFAULTS } from './lab-options.js';
import { sampleHeaps, type HeapSample } from './heap-sampler.js';
import { judgeMemoryTrend, type GrowthLimits, type MemoryTrend } from './memory-trend.js';
import type { RoleProcess } from './role-process.js';

export interface SoakOptions {
  durationMs: number;
  replicas?: number;
  concurrency?: number;
  /** Replica i listens on `${network}.i`. */
  network?: string;
  /** A line of progress (fault switched on or off). */
  onLine?: (line: string) => void;
  /** More Node.js options for the role of that name (a test plants a leak with `--import`). */
  execArgvFor?: (name: string) => string[];
}

export interface ProcessMemory {
  name: string;
  pid: number;
  /** Heap used after a full collection, sampled through the run: what the gate judges. */
  heap: MemoryTrend;
  /** Resident memory at the first and last sample, for reference (it moves with V8's sizing). */
  resident: { startBytes: number; endBytes: number; growthPercent: number };
  samples: HeapSample[];
}

export interface SoakReport {
  durationMs: number;
  requests: number;
  ok: number;
  /** Every successful download was checked: size and sha256 against the replica's end frame. */
  digestsVerified: number;
  errorsByCause: Record<string, number>;
  faultsApplied: string[];
  memory: ProcessMemory[];
  sampleIntervalMs: number;
  /** The heap growth over the run that counts as a leak (past both). */
  heapLimits: GrowthLimits;
  /** Every process's heap held steady. */
  memoryOk: boolean;
}

/**
 * A leak is heap growth over the run past 10 % of the starting heap and past 2 MiB. Measured
 * on 2 cores: after a collection a replica's heap is about 12 MiB, the balancer's 7.5, the
 * origin's 6; samples wander by up to 0.3 MiB and the trend over 20 s is +0.1 to +0.2 MiB. A
 * replica keeping 4 KiB per connection shows +10 MiB.
 */
export const HEAP_GROWTH_LIMITS: GrowthLimits = { relative: 0.1, absoluteBytes: 2 * 1024 ** 2 };

/** A sample every second, fewer on long runs (at most about 300, so judging stays cheap). */
export function sampleIntervalMs(durationMs: number): number {
  return Math.max(1_000, Math.ceil(durationMs / 300));
}

/** A quarter of the run, from 15 s to 60 s: start-up, JIT and the load's working set settle. */
export function warmUpMs(durationMs: number): number {
  return Math.min(60_000, Math.max(15_000, Math.floor(durationMs / 4)));
}
const MAX_OBJECT_BYTES = 1024 * 1024;

/** The faults cycled through, one replica at a time, each switched on then healed. */
const FAULTS: Record<string, unknown>[] = [
  { delayMs: 40 },
  { errorRate: 0.3 },
  { resetRate: 0.3 },
  { probeLoss: 1 },
  { bandwidthKBps: 2048 },
  { errorRate: 1 },
];

/**
 * Every replica caches every object first (over HTTP, on its own port): where failovers and
 * faults send a path during the run must not show as memory growth; only leaks should.
 */
async function fillCaches(replicas: RoleProcess[], paths: string[]): Promise<void> {
  await Promise.all(
    replicas.map(async ({ ready }) => {
      for (const path of paths) {
        const response = await fetch(`http://${ready.host}:${ready.port}${path}`);
        await response.arrayBuffer();
      }
    }),
  );
}

/**
 * Runs a whole lab (origin, replicas, balancer as processes) under a mixed load for
 * `durationMs` while faults are switched on and off on the replicas, then reports requests,
 * errors by cause, verified digests and each process's memory. The roles run with
 * `--expose-gc`, so each sample is the heap after a full collection; samples start after a
 * warm-up under the same load and faults (warmUpMs, not counted in the duration), and the
 * gate judges their trend (memory-trend.ts), not the two ends.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.onLine ?? ((): void => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'cdn-soak-'));
  const lab = await startLab({
    ...LAB_DEFAULTS,
    dir,
    replicas: options.replicas ?? 3,
    port: 0,
    originPort: 0,
    replicaNetwork: options.network ?? '127.0.20',
    adminPort: 0,
    strategy: undefined,
    maxObjectBytes: MAX_OBJECT_BYTES,
    onLine: () => undefined,
    execArgvFor: (name) => ['--expose-gc', ...(options.execArgvFor?.(name) ?? [])],
  });
  try {
    const manifest = JSON.parse(
      await readFile(join(lab.siteDir, 'manifest.json'), 'utf8'),
    ) as DemoManifest;
    const paths = manifest.objects.map((object) => object.path);
    const balancer = { host: lab.balancer.ready.host, port: lab.balancer.ready.port };
    const concurrency = options.concurrency ?? 8;
    // Full caches, then the same load and faults until each process's working set has settled.
    await fillCaches(lab.replicas, paths);
    const warmUp = warmUpMs(options.durationMs);
    const warmUpFaults = cycleFaults(lab.replicas, warmUp, [], () => undefined);
    await runLoad({ balancer, paths, durationMs: warmUp, concurrency });
    await warmUpFaults.stop();

    const roles = [lab.origin, ...lab.replicas, lab.balancer];
    const intervalMs = sampleIntervalMs(options.durationMs);
    const sampling = sampleHeaps(roles, intervalMs);
    const faultsApplied: string[] = [];
    const cycle = cycleFaults(lab.replicas, options.durationMs, faultsApplied, say);
    const report: LoadReport = await runLoad({
      balancer,
      paths,
      durationMs: options.durationMs,
      concurrency,
    });
    await cycle.stop();
    const samples = await sampling.stop();
    const memory = roles.map((role) => memoryOf(role, samples.get(role) ?? []));
    return {
      durationMs: report.durationMs,
      requests: report.requests,
      ok: report.ok,
      digestsVerified: report.ok,
      errorsByCause: report.errorsByCode,
      faultsApplied,
      memory,
      sampleIntervalMs: intervalMs,
      heapLimits: HEAP_GROWTH_LIMITS,
      memoryOk: memory.every((m) => m.heap.verdict === 'steady'),
    };
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function memoryOf(role: RoleProcess, samples: HeapSample[]): ProcessMemory {
  // A sample without a collection measures garbage too: it must not count as steady.
  const collected = samples.filter((sample) => sample.collected);
  const heap = judgeMemoryTrend(
    collected.map((sample) => ({ atMs: sample.atMs, bytes: sample.heapUsedBytes })),
    HEAP_GROWTH_LIMITS,
  );
  const startBytes = samples[0]?.residentBytes ?? 0;
  const endBytes = samples.at(-1)?.residentBytes ?? 0;
  return {
    name: role.name,
    pid: role.child.pid ?? -1,
    heap,
    resident: {
      startBytes,
      endBytes,
      growthPercent: startBytes > 0 ? ((endBytes - startBytes) * 100) / startBytes : 0,
    },
    samples,
  };
}

/**
 * Switches one fault on one replica, heals it, then the next, over the run: phases of a tenth
 * of the duration (at least 1 s), alternating on and off.
 */
function cycleFaults(
  replicas: RoleProcess[],
  durationMs: number,
  applied: string[],
  say: (line: string) => void,
): { stop: () => Promise<void> } {
  const phaseMs = Math.max(1_000, Math.floor(durationMs / 10));
  let step = 0;
  let current: string | null = null;
  let busy: Promise<void> = Promise.resolve();
  const flip = async (): Promise<void> => {
    if (current) {
      await adminRequest(current, 'DELETE', undefined, undefined).catch(() => undefined);
      say(`healed ${current}`);
      current = null;
      return;
    }
    const replica = replicas[step % replicas.length];
    const fault = FAULTS[step % FAULTS.length];
    step += 1;
    if (!replica?.ready.adminUrl || !fault) return;
    current = `${replica.ready.adminUrl}faults`;
    await adminRequest(current, 'POST', fault, undefined).catch(() => undefined);
    const name = `${replica.name} ${JSON.stringify(fault)}`;
    applied.push(name);
    say(`fault on ${name}`);
  };
  const timer = setInterval(() => {
    busy = busy.then(flip);
  }, phaseMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      if (current) await flip();
    },
  };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function signed(text: string, value: number): string {
  return value >= 0 ? `+${text}` : text;
}

const VERDICT_TEXT: Record<MemoryTrend['verdict'], string> = {
  steady: 'ok',
  grew: 'GREW',
  'too-few-samples': 'NOT MEASURED (too few samples)',
};

function memoryLine(m: ProcessMemory): string {
  const { heap, resident } = m;
  return (
    `  ${m.name.padEnd(10)} pid ${String(m.pid).padEnd(7)} heap ${mib(heap.startBytes).padStart(9)}, ` +
    `trend ${signed(mib(heap.growthBytes), heap.growthBytes).padStart(10)} ` +
    `(limit ${mib(heap.limitBytes)}, ${heap.samples} samples) ${VERDICT_TEXT[heap.verdict].padEnd(4)}  ` +
    `resident ${mib(resident.startBytes)} -> ${mib(resident.endBytes)} ` +
    `(${signed(resident.growthPercent.toFixed(1), resident.growthPercent)} %)`
  );
}

/** The report as the soak command prints it. */
export function formatSoak(report: SoakReport): string {
  const errors = Object.entries(report.errorsByCause);
  const { relative, absoluteBytes } = report.heapLimits;
  const lines = [
    `soak: ${(report.durationMs / 1000).toFixed(1)} s, ${report.requests} requests, ${report.ok} ok, ` +
      `${report.requests - report.ok} failed`,
    `digests verified: ${report.digestsVerified}`,
    `errors by cause: ${errors.length === 0 ? 'none' : errors.map(([code, n]) => `${code} ${n}`).join(', ')}`,
    `faults switched on: ${report.faultsApplied.length} (${report.faultsApplied.join('; ') || 'none'})`,
    `memory: heap used after a full collection, every ${report.sampleIntervalMs / 1000} s after the ` +
      `warm-up; a leak is a trend over the run above +${relative * 100} % and +${mib(absoluteBytes)} ` +
      `(resident memory for reference, not judged):`,
    ...report.memory.map(memoryLine),
    report.memoryOk ? 'memory: ok' : 'memory: GREW (a leak?) or not measured',
  ];
  return lines.join('\n');
}
