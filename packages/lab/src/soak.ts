import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadReport } from '@cdn-lab/client';
import type { DemoManifest } from '@cdn-lab/origin';
import { cycleFaults } from './fault-cycle.js';
import { startLab } from './lab.js';
import { LAB_DEFAULTS } from './lab-options.js';
import { sampleHeaps } from './heap-sampler.js';
import type { RoleProcess } from './role-process.js';
import { HEAP_GROWTH_LIMITS, memoryOf, type SoakReport } from './soak-report.js';

export interface SoakOptions {
  durationMs: number;
  replicas?: number;
  concurrency?: number;
  /** Replica i listens on `${network}.i`. */
  network?: string;
  /** A line of progress (fault switched on or off). */
  onLine?: (line: string) => void;
  /** The balancer's strategy (default: the balancer's own default). */
  strategy?: string;
  /** More Node.js options for the role of that name (a test plants a leak with `--import`). */
  execArgvFor?: (name: string) => string[];
}

/** A sample every second, fewer on long runs (at most about 300, so judging stays cheap). */
export function sampleIntervalMs(durationMs: number): number {
  return Math.max(1_000, Math.ceil(durationMs / 300));
}

/** A quarter of the run, from 15 s to 60 s: start-up, JIT and the load's working set settle. */
export function warmUpMs(durationMs: number): number {
  return Math.min(60_000, Math.max(15_000, Math.floor(durationMs / 4)));
}
const MAX_OBJECT_BYTES = 1024 * 1024;

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
    strategy: options.strategy,
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
