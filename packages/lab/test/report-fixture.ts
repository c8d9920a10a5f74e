import {
  stateCode,
  type BenchReportData,
  type ExperimentReportData,
  type SeriesData,
  type TimelineMarker,
  type VariantData,
} from '@cdn-lab/report';

/** The synthetic runs the report tests draw: 5 edge replicas in 2 regions, a kill and a fault. */
export const REPLICAS = [
  'replica-eu-1',
  'replica-eu-2',
  'replica-eu-3',
  'replica-us-1',
  'replica-us-2',
];
export const REGIONS = ['eu', 'us'];
const DURATION_S = 40;
const KILLED = 'replica-eu-2';
const KILL_AT = 10;
const SLOW = 'replica-us-1';
const FAULT_AT = 20;
const HEAL_AT = 30;

export const MARKERS: TimelineMarker[] = [
  { t: KILL_AT, label: `kill ${KILLED}`, ok: true },
  { t: FAULT_AT, label: `fault ${SLOW} delayMs=80`, ok: true },
  { t: HEAL_AT, label: `heal ${SLOW}`, ok: true },
];

export const SCENARIO_TEXT = `name: replica crash
description: "A replica dies under load; </script><script>alert(1)</script> must stay text"
replicas: 5
timeline:
  - at: 10s
    kill: ${KILLED}
  - at: 20s
    fault: ${SLOW}
    delayMs: 80
  - at: 30s
    heal: ${SLOW}
`;

/** A small deterministic wobble, so lines are not flat (and differ per seed). */
function wobble(seed: number, i: number): number {
  return Math.sin(seed * 12.9898 + i * 0.7) * 0.5 + 0.5;
}

function series(chart: SeriesData['chart'], name: string, values: (number | null)[]): SeriesData {
  return { chart, name, values };
}

function variant(label: string, slowdown: number, seed: number): VariantData {
  const times = Array.from({ length: DURATION_S }, (_, i) => i + 1);
  const killed = (t: number) => t >= KILL_AT;
  const slow = (t: number) => t >= FAULT_AT && t < HEAL_AT;
  const out: SeriesData[] = [];
  for (const region of ['all', ...REGIONS]) {
    const extra = (t: number) => (slow(t) && region !== 'eu' ? 80 * slowdown : 0);
    out.push(
      series(
        'latency',
        `p50 ${region}`,
        times.map((t, i) => 4 + 2 * wobble(seed, i) + extra(t) / 4),
      ),
    );
    out.push(
      series(
        'latency',
        `p99 ${region}`,
        times.map((t, i) => 12 + 6 * wobble(seed + 1, i) + extra(t)),
      ),
    );
  }
  for (const [index, name] of REPLICAS.entries()) {
    out.push(
      series(
        'requests',
        name,
        times.map((t, i) => {
          if (name === KILLED && killed(t)) return null;
          const share = killed(t) && name.startsWith('replica-eu') ? 75 : 50;
          return share + 10 * wobble(seed + index, i);
        }),
      ),
    );
  }
  out.push(
    series(
      'errors',
      'error CONNECTION_REFUSED',
      times.map((t) => (t === KILL_AT || t === KILL_AT + 1 ? 3 : 0)),
    ),
  );
  out.push(
    series(
      'errors',
      'failover CONNECTION_REFUSED',
      times.map((t) => (t >= KILL_AT && t < KILL_AT + 3 ? 12 : 0)),
    ),
  );
  out.push(
    series(
      'errors',
      'failover TIMEOUT',
      times.map((t) => (slow(t) ? 2 * slowdown : 0)),
    ),
  );
  out.push(
    series(
      'hitRatio',
      'edge',
      times.map((t, i) => Math.min(0.98, 0.3 + t / 25 + 0.05 * wobble(seed, i))),
    ),
  );
  let fetched = 0;
  out.push(
    series(
      'originFetches',
      'origin fetches',
      times.map((t) => {
        fetched += t < 12 ? 40 : 4;
        return fetched;
      }),
    ),
  );
  for (const name of REPLICAS) {
    out.push(
      series(
        'states',
        name,
        times.map((t) => {
          if (name === KILLED && killed(t)) return stateCode('down');
          if (name === 'replica-us-2' && t >= 35) return stateCode('draining');
          return stateCode('up');
        }),
      ),
    );
  }
  out.push(
    series(
      'states',
      'replica-eu-4',
      times.map((t) => stateCode(t >= 25 ? 'up' : 'absent')),
    ),
  );
  const requests = 250 * DURATION_S;
  return {
    label,
    times,
    series: out,
    // Each run carries a step out a few ms later or sooner, as a real runner does.
    markers: MARKERS.map((marker) => ({ ...marker, t: marker.t + (seed - 1) * 0.004 })),
    summary: {
      requests,
      failed: 6,
      'p50 ms': 5.1,
      'p99 ms': 19 + 20 * slowdown,
      'origin fetches': fetched,
    },
  };
}

export function singleRun(): ExperimentReportData {
  return {
    title: 'Replica crash',
    description:
      'A replica dies under load: how long do clients see errors, and where does its load go?',
    scenarioText: SCENARIO_TEXT,
    createdAt: '2026-12-01T20:00:00.000Z',
    compared: null,
    overrides: ['load.duration=40s'],
    variants: [variant('replica crash', 1, 1)],
  };
}

export const STRATEGIES = ['consistent', 'p2c-ewma', 'round-robin'];

export function compareRun(): ExperimentReportData {
  return {
    title: 'Slow replica: strategy shoot-out',
    description: 'One replica turns slow for 10 s; which strategy keeps p99 down?',
    scenarioText: SCENARIO_TEXT,
    createdAt: '2026-12-01T20:00:00.000Z',
    compared: 'strategy',
    overrides: [],
    variants: STRATEGIES.map((strategy, index) =>
      variant(`strategy=${strategy}`, [1, 0.3, 1.6][index] ?? 1, index + 1),
    ),
  };
}

/** Benchmark results as RESULTS.md has them: a met goal, a missed one, a line with no peer. */
export function benchRun(): BenchReportData {
  const row = (metric: string, unit: string, ours: number, peer: number | null, goal: string) => {
    const ratio = peer === null ? null : ours / peer;
    return {
      metric,
      unit,
      ours,
      peer,
      peerName: peer === null ? null : 'nginx',
      ratio,
      goal,
      met: ratio === null || !goal ? null : ratio >= 0.9,
    };
  };
  return {
    title: 'cdn-lab benchmark results',
    createdAt: '2026-12-01T20:00:00.000Z',
    command: 'npm run bench',
    machine: ['nproc: 2', 'memory: 23.4 GiB', 'node: v22.12.0 on linux x64'],
    benchmarks: [
      {
        id: 'B2',
        title: 'one cached 64 MiB object',
        runs: 3,
        rows: [
          row('1 download, native get', 'MB/s', 1850, 2000, '≥ 0.9× nginx'),
          row('8 downloads, HTTP GET', 'MB/s', 1500, 2100, '≥ 0.9× nginx'),
        ],
      },
      {
        id: 'B7',
        title: 'peak RSS of a replica',
        runs: 3,
        rows: [row('16 × 64 MiB downloads', 'MB', 96, null, '≤ 150 MB')],
      },
    ],
  };
}
