import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadReport } from '@cdn-lab/client';
import type { DemoManifest } from '@cdn-lab/origin';
import { adminRequest } from './admin-request.js';
import { startLab } from './lab.js';
import { LAB_DEFAULTS } from './lab-options.js';
import { residentBytes } from './process-memory.js';
import type { RoleProcess } from './role-process.js';

export interface SoakOptions {
  durationMs: number;
  replicas?: number;
  concurrency?: number;
  /** Replica i listens on `${network}.i`. */
  network?: string;
  /** A line of progress (fault switched on or off). */
  onLine?: (line: string) => void;
}

export interface ProcessMemory {
  name: string;
  pid: number;
  startBytes: number;
  endBytes: number;
  growthPercent: number;
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
  /** The largest growth allowed (percent). */
  memoryLimitPercent: number;
  memoryOk: boolean;
}

export const MEMORY_GROWTH_LIMIT_PERCENT = 20;

/** A quarter of the run, from 15 s to 60 s (replicas' resident memory plateaus after ~15 s of load). */
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

async function memoryOf(roles: RoleProcess[]): Promise<Map<RoleProcess, number>> {
  const entries = await Promise.all(
    roles.map(async (role) => [role, await residentBytes(role.child.pid ?? -1)] as const),
  );
  return new Map(entries);
}

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
 * errors by cause, verified digests and each process's memory growth. Memory "at start" is
 * taken after a warm-up under the same load (warmUpMs, not counted in the duration), so
 * start-up, JIT and the working set of the load do not count as growth.
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
  });
  try {
    const manifest = JSON.parse(
      await readFile(join(lab.siteDir, 'manifest.json'), 'utf8'),
    ) as DemoManifest;
    const paths = manifest.objects.map((object) => object.path);
    const balancer = { host: lab.balancer.ready.host, port: lab.balancer.ready.port };
    const concurrency = options.concurrency ?? 8;
    // Full caches, then the same load until each process's working set has settled; growth is
    // counted from there, so it shows leaks, not warm-up.
    await fillCaches(lab.replicas, paths);
    await runLoad({ balancer, paths, durationMs: warmUpMs(options.durationMs), concurrency });
    const roles = [lab.origin, ...lab.replicas, lab.balancer];
    const atStart = await memoryOf(roles);

    const faultsApplied: string[] = [];
    const cycle = cycleFaults(lab.replicas, options.durationMs, faultsApplied, say);
    const report: LoadReport = await runLoad({
      balancer,
      paths,
      durationMs: options.durationMs,
      concurrency,
    });
    await cycle.stop();
    const atEnd = await memoryOf(roles);
    const memory = roles.map((role) => {
      const startBytes = atStart.get(role) ?? 0;
      const endBytes = atEnd.get(role) ?? 0;
      return {
        name: role.name,
        pid: role.child.pid ?? -1,
        startBytes,
        endBytes,
        growthPercent: startBytes > 0 ? ((endBytes - startBytes) * 100) / startBytes : 0,
      };
    });
    return {
      durationMs: report.durationMs,
      requests: report.requests,
      ok: report.ok,
      digestsVerified: report.ok,
      errorsByCause: report.errorsByCode,
      faultsApplied,
      memory,
      memoryLimitPercent: MEMORY_GROWTH_LIMIT_PERCENT,
      memoryOk: memory.every((m) => m.growthPercent < MEMORY_GROWTH_LIMIT_PERCENT),
    };
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
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

/** The report as the soak command prints it. */
export function formatSoak(report: SoakReport): string {
  const errors = Object.entries(report.errorsByCause);
  const lines = [
    `soak: ${(report.durationMs / 1000).toFixed(1)} s, ${report.requests} requests, ${report.ok} ok, ` +
      `${report.requests - report.ok} failed`,
    `digests verified: ${report.digestsVerified}`,
    `errors by cause: ${errors.length === 0 ? 'none' : errors.map(([code, n]) => `${code} ${n}`).join(', ')}`,
    `faults switched on: ${report.faultsApplied.length} (${report.faultsApplied.join('; ') || 'none'})`,
    `memory (resident, after the warm-up load -> end; limit +${report.memoryLimitPercent} %):`,
    ...report.memory.map(
      (m) =>
        `  ${m.name.padEnd(10)} pid ${String(m.pid).padEnd(7)} ${mib(m.startBytes).padStart(10)} -> ` +
        `${mib(m.endBytes).padStart(10)}  ${m.growthPercent >= 0 ? '+' : ''}${m.growthPercent.toFixed(1)} %`,
    ),
    report.memoryOk ? 'memory: ok' : 'memory: GREW TOO MUCH',
  ];
  return lines.join('\n');
}
