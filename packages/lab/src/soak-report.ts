import type { HeapSample } from './heap-sampler.js';
import { judgeMemoryTrend, type GrowthLimits, type MemoryTrend } from './memory-trend.js';
import type { RoleProcess } from './role-process.js';

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
 * replica keeping 4 KiB per connection shows +8 to +23 MiB.
 */
export const HEAP_GROWTH_LIMITS: GrowthLimits = { relative: 0.1, absoluteBytes: 2 * 1024 ** 2 };

/** A role's samples as the report shows them: the heap judged by its trend, RSS at both ends. */
export function memoryOf(role: RoleProcess, samples: HeapSample[]): ProcessMemory {
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
