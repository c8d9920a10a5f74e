import type { BenchReportData } from '../src/bench-report-data.js';
import { stateCode, type ExperimentReportData, type VariantData } from '../src/report-data.js';

export const HOSTILE_SCENARIO = 'name: "x </script><script>window.pwned = 1</script> <!-- y"\n';

function variant(label: string, samples: number): VariantData {
  const times = Array.from({ length: samples }, (_, i) => i + 1);
  return {
    label,
    times,
    series: [
      { chart: 'latency', name: 'p50 all', values: times.map((t) => t * 1.5) },
      { chart: 'latency', name: 'p99 all', values: times.map((t) => (t === 2 ? null : t * 4)) },
      { chart: 'requests', name: 'replica-1', values: times.map(() => 10) },
      { chart: 'requests', name: 'replica-2', values: times.map(() => 12) },
      { chart: 'errors', name: 'failover CONNECTION_REFUSED, "reset"', values: times.map(() => 0) },
      { chart: 'states', name: 'replica-1', values: times.map(() => stateCode('up')) },
    ],
    markers: [{ t: 2, label: 'kill replica-2', ok: true }],
    summary: { requests: 100, failed: 1, 'p99 ms': samples > 3 ? 12.5 : null, note: '<b>bold</b>' },
  };
}

/** Two variants of 3 and 4 samples, 6 series each, a hostile scenario text. */
export function sampleReport(): ExperimentReportData {
  return {
    title: 'A <sample> report',
    description: 'Two variants & a hostile scenario',
    scenarioText: HOSTILE_SCENARIO,
    createdAt: '2026-12-01T20:00:00.000Z',
    compared: 'strategy',
    overrides: ['load.duration=5s', 'lab.replicas=3'],
    variants: [variant('strategy=consistent', 3), variant('strategy=a,"b"', 4)],
  };
}

export function sampleBench(): BenchReportData {
  return {
    title: 'cdn-lab benchmark results',
    createdAt: '2026-12-01T20:00:00.000Z',
    command: 'npm run bench',
    machine: ['nproc: 2', 'node: v22'],
    benchmarks: [
      {
        id: 'B1',
        title: 'routes per CPU-second',
        runs: 3,
        rows: [
          {
            metric: 'pipelined routes',
            unit: 'routes/CPU-s',
            ours: 140_000,
            peer: 150_000,
            peerName: 'bare node',
            ratio: 0.93,
            goal: '≥ 0.8× bare node',
            met: true,
          },
          {
            metric: 'p99 route',
            unit: 'ms',
            ours: 1.2,
            peer: null,
            peerName: null,
            ratio: null,
            goal: '',
            met: null,
          },
        ],
      },
      {
        id: 'B2',
        title: 'bulk throughput',
        runs: 3,
        rows: [
          {
            metric: 'one 1 GiB object',
            unit: 'MB/s',
            ours: 800,
            peer: 1200,
            peerName: 'nginx',
            ratio: 0.67,
            goal: '≥ 0.8× nginx',
            met: false,
          },
        ],
      },
    ],
  };
}
