import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { summarizeLatency } from '@cdn-lab/client';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { KiB, startTestOrigin, writeObjects } from './fixtures.js';
import { nativeGet } from './native.js';
import {
  downloadFrom,
  runRegionalLoad,
  type RegionalLoad,
  type RegionalSample,
} from './regional-load.js';
import { startRegionalWorld, type RegionalWorld } from './regional-world.js';
import { median, repeat } from './stats.js';
import { noFailuresRow, resultRow } from './result-row.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

const STRATEGIES = ['nearest', 'consistent', 'p2c-ewma'] as const;
const OBJECTS = 64;
const OBJECT_BYTES = 8 * KiB;
const CLIENTS_PER_REGION = 2;
/** The region whose replicas the outage phase kills. */
const OUTAGE_REGION = 'eu';
/** The load runs this long before the kill, and this long after the replicas are back. */
const OUTAGE_LEAD_MS = 1000;
const AFTER_RETURN_MS = 3000;

interface Percentiles {
  p50: number;
  p99: number;
}

interface B8Run {
  floor: Record<string, number>;
  ttfb: Record<string, Record<string, Percentiles>>;
  crossRegionShare: number;
  outage: { failed: number; overflowMs: number; homeMs: number; servedBy: string };
}

function ttfbOf(samples: readonly RegionalSample[]): number[] {
  return samples.flatMap((sample) => (sample.ttfbMs === null ? [] : [sample.ttfbMs]));
}

function percentiles(samples: readonly RegionalSample[]): Percentiles {
  const summary = summarizeLatency(ttfbOf(samples));
  return { p50: summary.p50, p99: summary.p99 };
}

/** Whether a phase of `ms` from now is still on. */
function forMs(ms: number): () => boolean {
  const stopAt = performance.now() + ms;
  return () => performance.now() < stopAt;
}

/**
 * The in-region floor, measured beside the load: one more client in each region fetching,
 * one after another, straight from a replica of its own region (no balancer, no choice), so
 * it pays one in-region round trip and that replica's service time under the same load.
 */
async function measureFloor(
  world: RegionalWorld,
  paths: readonly string[],
  running: () => boolean,
): Promise<Record<string, number>> {
  const floor: Record<string, number> = {};
  await Promise.all(
    world.topology.regions.map(async (region) => {
      const replica = world.replicas.find((candidate) => candidate.region === region.name);
      if (!replica) return;
      const samples: number[] = [];
      for (let index = 0; running(); index += 1) {
        const path = paths[index % paths.length] ?? null;
        const firstByteMs = await downloadFrom(
          world,
          replica,
          { region: region.name, n: 250 },
          path,
        );
        if (firstByteMs !== null) samples.push(firstByteMs);
      }
      floor[region.name] = median(samples);
    }),
  );
  return floor;
}

function byRegion(load: RegionalLoad, regions: readonly string[]) {
  const result: Record<string, Percentiles> = {};
  for (const region of regions) {
    result[region] = percentiles(load.samples.filter((s) => s.clientRegion === region));
  }
  return result;
}

/** Every replica of one region killed during a load, then started again. */
async function measureOutage(
  world: RegionalWorld,
  paths: readonly string[],
  outageMs: number,
): Promise<B8Run['outage']> {
  let stopAt = Infinity;
  const loadDone = runRegionalLoad({
    world,
    paths,
    clientsPerRegion: CLIENTS_PER_REGION,
    running: () => performance.now() < stopAt,
    seed: 99,
  });
  await setTimeout(OUTAGE_LEAD_MS);
  const killedAt = performance.now();
  await world.kill(OUTAGE_REGION);
  await setTimeout(outageMs);
  await world.restart(OUTAGE_REGION);
  const returnedAt = performance.now();
  stopAt = returnedAt + AFTER_RETURN_MS;
  const load = await loadDone;
  const mine = (at: number, until: number) =>
    load.routes.filter((r) => r.clientRegion === OUTAGE_REGION && r.at > at && r.at <= until);
  const lastHomeRoute = mine(killedAt, returnedAt)
    .filter((r) => r.bestRegion === OUTAGE_REGION)
    .at(-1);
  const away = mine(returnedAt, Infinity).filter((r) => r.bestRegion !== OUTAGE_REGION);
  const homeAgain = mine(returnedAt, Infinity).some((r) => r.bestRegion === OUTAGE_REGION);
  const during = load.samples.filter(
    (s) => s.clientRegion === OUTAGE_REGION && s.at > killedAt + 1000 && s.at < returnedAt,
  );
  const served = new Map<string, number>();
  for (const sample of during) {
    const key = sample.servedRegion ?? 'failed';
    served.set(key, (served.get(key) ?? 0) + 1);
  }
  return {
    failed: load.samples.filter((s) => s.servedRegion === null).length,
    overflowMs: lastHomeRoute ? lastHomeRoute.at - killedAt : 0,
    homeMs: homeAgain ? (away.at(-1)?.at ?? returnedAt) - returnedAt : Infinity,
    servedBy: [...served].map(([region, count]) => `${region} ${count}`).join(', '),
  };
}

export const b8: Benchmark = {
  id: 'B8',
  title: 'regions: time to first byte per client region, nearest vs region-blind, a region outage',
  run: (settings) =>
    withDir(settings.tmpDir, 'b8', async (dir): Promise<BenchResult> => {
      const loadMs = settings.smoke ? 1000 : 8000;
      const warmMs = settings.smoke ? 300 : 1000;
      const outageMs = settings.smoke ? 1000 : 4000;
      const root = join(dir, 'www');
      const paths = await writeObjects(root, 'z', settings.smoke ? 8 : OBJECTS, OBJECT_BYTES);
      const origin = await startTestOrigin(root);
      try {
        const runs = await repeat(settings.runs, async (run): Promise<B8Run> => {
          const world = await startRegionalWorld({
            dir,
            topologyFile: DEFAULT_TOPOLOGY_FILE,
            originUrl: origin.url,
            strategy: 'nearest',
            ...(settings.smoke ? { replicasPerRegion: 1 } : {}),
          });
          try {
            const regions = world.topology.regions.map((region) => region.name);
            await Promise.all(
              world.replicas.map(async (replica) => {
                for (const path of paths) await nativeGet(replica.host, replica.port, path);
              }),
            );
            let floor: Record<string, number> = {};
            const ttfb: B8Run['ttfb'] = {};
            let crossRegionShare = 0;
            for (const strategy of STRATEGIES) {
              await world.balancer.command({ kind: 'strategy', name: strategy });
              const load = (running: () => boolean, seed: number) =>
                runRegionalLoad({
                  world,
                  paths,
                  clientsPerRegion: CLIENTS_PER_REGION,
                  running,
                  seed,
                });
              await load(forMs(warmMs), run);
              const running = forMs(loadMs);
              const [measured, floorNow] = await Promise.all([
                load(running, run + 1),
                measureFloor(world, paths, running),
              ]);
              if (strategy === 'nearest') floor = floorNow;
              const failed = measured.samples.filter((s) => s.servedRegion === null).length;
              if (failed > 0) throw new Error(`B8 ${strategy}: ${failed} downloads failed`);
              ttfb[strategy] = byRegion(measured, regions);
              if (strategy === 'nearest') {
                const away = measured.samples.filter((s) => s.servedRegion !== s.clientRegion);
                crossRegionShare = away.length / Math.max(1, measured.samples.length);
              }
            }
            await world.balancer.command({ kind: 'strategy', name: 'nearest' });
            const outage = await measureOutage(world, paths, outageMs);
            return { floor, ttfb, crossRegionShare, outage };
          } finally {
            await world.stop();
          }
        });
        return report(runs, settings.runs, settings.smoke, {
          loadMs,
          outageMs,
          objects: paths.length,
        });
      } finally {
        await origin.close();
      }
    }),
};

function report(
  runs: readonly B8Run[],
  runCount: number,
  smoke: boolean,
  shape: { loadMs: number; outageMs: number; objects: number },
): BenchResult {
  const first = runs[0];
  const regions = first ? Object.keys(first.floor) : [];
  const med = (pick: (run: B8Run) => number): number => median(runs.map(pick));
  const rows: ResultRow[] = [];
  for (const region of regions) {
    const floor = med((r) => r.floor[region] ?? 0);
    const nearest = med((r) => r.ttfb['nearest']?.[region]?.p50 ?? 0);
    const consistent = med((r) => r.ttfb['consistent']?.[region]?.p50 ?? 0);
    rows.push(
      resultRow(
        `nearest p50 TTFB, clients in ${region}`,
        'ms',
        nearest,
        floor,
        'in-region floor',
        '≤ 1.3 × floor',
        nearest <= 1.3 * floor,
      ),
      resultRow(
        `nearest p50 vs consistent p50, clients in ${region}`,
        'ms',
        nearest,
        consistent,
        'consistent',
        '≤ 0.3 × consistent',
        nearest <= 0.3 * consistent,
      ),
    );
  }
  const share = med((r) => r.crossRegionShare) * 100;
  rows.push(
    resultRow(
      'nearest: downloads served outside the client’s region, all healthy',
      '%',
      share,
      null,
      null,
      '≤ 2 %',
      share <= 2,
    ),
  );
  const failed = Math.max(...runs.map((r) => r.outage.failed));
  const overflow = med((r) => r.outage.overflowMs);
  const home = med((r) => r.outage.homeMs);
  rows.push(
    noFailuresRow(`region outage (${OUTAGE_REGION}): failed downloads (worst run)`, failed),
    resultRow(
      `${OUTAGE_REGION} clients routed to the next region after the kill`,
      'ms',
      overflow,
      1000,
      'goal',
      '≤ 1 000 ms',
      overflow <= 1000,
    ),
    resultRow(
      `${OUTAGE_REGION} clients routed home after the return`,
      'ms',
      home,
      2000,
      'goal',
      '≤ 2 000 ms',
      home <= 2000,
    ),
  );
  const table = STRATEGIES.map((strategy) => {
    const cells = regions.map((region) => {
      const p50 = med((r) => r.ttfb[strategy]?.[region]?.p50 ?? 0);
      const p99 = med((r) => r.ttfb[strategy]?.[region]?.p99 ?? 0);
      return `${region} ${p50.toFixed(1)}/${p99.toFixed(1)}`;
    });
    return `${strategy}: ${cells.join(', ')}`;
  });
  const floors = regions.map(
    (region) => `${region} ${med((r) => r.floor[region] ?? 0).toFixed(2)} ms`,
  );
  return {
    id: 'B8',
    title: b8.title,
    runs: runCount,
    rows,
    commands: [
      `topologies/three-regions.yml on loopback: 3 replica processes per region at 127.R.0.n, ` +
        `origin in us, balancer; ${shape.objects} objects of ${OBJECT_BYTES / KiB} KiB cached ` +
        `everywhere; ${CLIENTS_PER_REGION} closed-loop clients per region on 127.R.200.n (placed ` +
        `by source address), Zipf (s = 1) over the objects, verified downloads; per strategy ` +
        `an unmeasured warm-up, then ${shape.loadMs / 1000} s measured. TTFB: from the get to ` +
        `the first object byte. Floor: beside the nearest load, one more client per region ` +
        `fetching one object after another straight from a replica of its region. Outage: ` +
        `under nearest, every ${OUTAGE_REGION} replica SIGKILLed ${OUTAGE_LEAD_MS / 1000} s ` +
        `into a load, started again ${shape.outageMs / 1000} s later on the same addresses; ` +
        `the load goes on ${AFTER_RETURN_MS / 1000} s after they are back`,
    ],
    notes: [
      `TTFB p50/p99 (ms) per client region: ${table.join('; ')}`,
      `in-region floor (median, beside the nearest load): ${floors.join(', ')}`,
      `${OUTAGE_REGION} clients' downloads during the outage (from 1 s after the kill) served by: ${first?.outage.servedBy ?? '?'} (first run)`,
      ...(smoke ? ['smoke: shortened load'] : []),
    ],
  };
}
