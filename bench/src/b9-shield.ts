import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TOPOLOGY_FILE } from '@cdn-lab/common';
import { KiB, startTestOrigin, writeObjects } from './fixtures.js';
import { downloadFrom, runRegionalLoad, type RegionalSample } from './regional-load.js';
import { startRegionalWorld, type RegionalWorld } from './regional-world.js';
import { noFailuresRow, resultRow } from './result-row.js';
import { median, repeat } from './stats.js';
import type { Benchmark, BenchResult, ResultRow } from './types.js';
import { withDir } from './workspace.js';

const OBJECTS = 500;
const OBJECT_BYTES = 8 * KiB;
const EDGES_PER_REGION = 3;
const SHIELDS = 2;
const CLIENTS_PER_REGION = 2;
const DOWNLOADS_PER_CLIENT = 150;
const SMOKE_DOWNLOADS = 8;
/** Objects outside the Zipf set, each fetched once from an edge of this region: all misses. */
const MISS_PROBES = 12;
const PROBE_REGION = 'eu';

type OriginCount = () => number;

/** One world's load: what the origin was asked for, against what the clients wanted. */
interface TierRun {
  originFetches: number;
  distinct: number;
  failed: number;
  downloads: number;
  /** Σ over regions of the distinct objects its clients asked for: what one fetch per object per region costs. */
  perRegionDistinct: number;
  /** Median time to first byte of a miss at every tier (ms), from a PROBE_REGION client. */
  missTtfbMs: number;
}

interface B9Run {
  oneTier: TierRun;
  twoTiers: TierRun;
  shieldKilled: TierRun;
}

interface LoadShape {
  paths: readonly string[];
  probes: readonly string[];
  downloadsPerClient: number;
}

/** The probes one after another, straight from one edge of PROBE_REGION: each a miss. */
async function missTtfb(world: RegionalWorld, probes: readonly string[]): Promise<number> {
  const edge = world.replicas.find((replica) => replica.region === PROBE_REGION);
  if (!edge) throw new Error(`B9: no edge in ${PROBE_REGION}`);
  const times: number[] = [];
  for (const path of probes) {
    const ttfb = await downloadFrom(world, edge, { region: PROBE_REGION, n: 250 }, path);
    if (ttfb !== null) times.push(ttfb);
  }
  return median(times);
}

/**
 * The Zipf load through the balancer; `midway` runs once, when half the downloads are done
 * (the shield kill), and the load goes on while it runs.
 */
async function measureTier(
  world: RegionalWorld,
  originRequests: OriginCount,
  shape: LoadShape,
  seed: number,
  midway?: () => Promise<void>,
): Promise<TierRun> {
  const missTtfbMs = await missTtfb(world, shape.probes);
  const before = originRequests();
  const total = shape.downloadsPerClient * CLIENTS_PER_REGION * world.topology.regions.length;
  let done = 0;
  let midwayRun: Promise<void> = Promise.resolve();
  const load = await runRegionalLoad({
    world,
    paths: shape.paths,
    clientsPerRegion: CLIENTS_PER_REGION,
    downloadsPerClient: shape.downloadsPerClient,
    running: () => true,
    seed,
    onSample: () => {
      done += 1;
      if (midway && done === Math.floor(total / 2)) midwayRun = midway();
    },
  });
  await midwayRun;
  return summarize(load.samples, originRequests() - before, missTtfbMs);
}

function summarize(
  samples: readonly RegionalSample[],
  originFetches: number,
  missTtfbMs: number,
): TierRun {
  const regions = new Set(samples.map((sample) => sample.clientRegion));
  const distinctIn = (region: string): number =>
    new Set(samples.filter((s) => s.clientRegion === region).map((s) => s.path)).size;
  return {
    originFetches,
    distinct: new Set(samples.map((sample) => sample.path)).size,
    perRegionDistinct: [...regions].reduce((sum, region) => sum + distinctIn(region), 0),
    failed: samples.filter((sample) => sample.servedRegion === null).length,
    downloads: samples.length,
    missTtfbMs,
  };
}

export const b9: Benchmark = {
  id: 'B9',
  title: 'origin shield: origin fetches per distinct object with and without a shield tier',
  run: (settings) =>
    withDir(settings.tmpDir, 'b9', async (dir): Promise<BenchResult> => {
      const root = join(dir, 'www');
      const objects = settings.smoke ? 20 : OBJECTS;
      const paths = await writeObjects(root, 'z', objects, OBJECT_BYTES);
      const probeCount = settings.smoke ? 2 : MISS_PROBES;
      const shape = (run: number, phase: number): LoadShape => ({
        paths,
        // Fresh probe objects for every phase of every run: each is a miss everywhere.
        probes: probeNames(run, phase, probeCount),
        downloadsPerClient: settings.smoke ? SMOKE_DOWNLOADS : DOWNLOADS_PER_CLIENT,
      });
      await Promise.all(
        Array.from({ length: settings.runs }, (_, run) =>
          Promise.all([0, 1, 2].map((phase) => writeProbes(root, shape(run, phase).probes))),
        ),
      );
      const origin = await startTestOrigin(root);
      const count: OriginCount = () => origin.requests;
      const world = (shields: number): Promise<RegionalWorld> =>
        startRegionalWorld({
          dir,
          topologyFile: DEFAULT_TOPOLOGY_FILE,
          originUrl: origin.url,
          strategy: 'nearest',
          replicasPerRegion: settings.smoke ? 1 : EDGES_PER_REGION,
          shields,
        });
      const inWorld = async <T>(
        shields: number,
        measure: (w: RegionalWorld) => Promise<T>,
      ): Promise<T> => {
        const started = await world(shields);
        try {
          return await measure(started);
        } finally {
          await started.stop();
        }
      };
      try {
        const runs = await repeat(settings.runs, async (run): Promise<B9Run> => {
          const seed = 900 + run * 31;
          const oneTier = await inWorld(0, (w) => measureTier(w, count, shape(run, 0), seed));
          const twoTiers = await inWorld(SHIELDS, (w) =>
            measureTier(w, count, shape(run, 1), seed),
          );
          const shieldKilled = await inWorld(SHIELDS, (w) =>
            measureTier(w, count, shape(run, 2), seed, async () => {
              await w.shields[0]?.process.kill();
            }),
          );
          return { oneTier, twoTiers, shieldKilled };
        });
        return report(runs, settings, objects);
      } finally {
        await origin.close();
      }
    }),
};

function probeNames(run: number, phase: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `/probe-${run}-${phase}-${index}.bin`);
}

async function writeProbes(root: string, names: readonly string[]): Promise<void> {
  await Promise.all(
    names.map((name) => writeFile(join(root, name), Buffer.alloc(OBJECT_BYTES, name))),
  );
}

function report(
  runs: readonly B9Run[],
  settings: { runs: number; smoke: boolean },
  objects: number,
): BenchResult {
  const med = (pick: (run: B9Run) => number): number => median(runs.map(pick));
  const perDistinct = (tier: TierRun): number => tier.originFetches / Math.max(1, tier.distinct);
  const oneTier = med((r) => perDistinct(r.oneTier));
  const regionsAsking = med((r) => r.oneTier.perRegionDistinct / Math.max(1, r.oneTier.distinct));
  const twoTiers = med((r) => perDistinct(r.twoTiers));
  const killed = med((r) => perDistinct(r.shieldKilled));
  const failed = Math.max(...runs.map((r) => r.shieldKilled.failed + r.twoTiers.failed));
  const missOne = med((r) => r.oneTier.missTtfbMs);
  const missTwo = med((r) => r.twoTiers.missTtfbMs);
  const rows: ResultRow[] = [
    resultRow(
      'origin fetches ÷ distinct objects, with a 2-replica shield',
      'per object',
      twoTiers,
      oneTier,
      'without a shield',
      '≤ 1.05',
      twoTiers <= 1.05,
    ),
    resultRow(
      'origin fetches ÷ distinct objects, without a shield (one fetch per object per region)',
      'per object',
      oneTier,
      regionsAsking,
      'regions asking per object',
      '',
      null,
    ),
    resultRow(
      'origin fetches ÷ distinct objects, one shield SIGKILLed midway',
      'per object',
      killed,
      null,
      null,
      '≤ 1.2',
      killed <= 1.2,
    ),
    noFailuresRow('failed downloads with a shield, one killed midway included (worst run)', failed),
    resultRow(
      `time to first byte of a miss, ${PROBE_REGION} client: edge → shield → origin (the extra hop’s price)`,
      'ms',
      missTwo,
      missOne,
      'edge → origin',
      '',
      null,
    ),
  ];
  const first = runs[0];
  const phaseLine = (name: string, tier: TierRun | undefined): string =>
    tier
      ? `${name}: ${tier.originFetches} origin fetches for ${tier.distinct} distinct objects, ` +
        `${tier.downloads} downloads, ${tier.failed} failed`
      : `${name}: ?`;
  return {
    id: 'B9',
    title: b9.title,
    runs: settings.runs,
    rows,
    commands: [
      `topologies/three-regions.yml on loopback: ${settings.smoke ? 1 : EDGES_PER_REGION} edge ` +
        `replicas per region (127.R.0.n), balancer with nearest; origin in us; ${objects} ` +
        `objects of ${OBJECT_BYTES / KiB} KiB; ${CLIENTS_PER_REGION} clients per region, each ` +
        `${settings.smoke ? SMOKE_DOWNLOADS : DOWNLOADS_PER_CLIENT} verified downloads drawn Zipf (s = 1) ` +
        `with the same seeds in every phase; fresh processes (empty caches) per phase: no ` +
        `shield; a ${SHIELDS}-replica shield in us (127.2.0.201–202, every edge's parents); ` +
        `the same with one shield SIGKILLed when half the downloads are done. Origin fetches ` +
        `counted at the origin. Miss TTFB: before each load, one ${PROBE_REGION} client ` +
        `fetching objects no one has asked for, one after another, straight from an ` +
        `${PROBE_REGION} edge`,
    ],
    notes: [
      'without a shield each region fetches what its own clients ask for, so the origin sees ' +
        'about as many fetches per object as regions ask for it (3 only when every region asks ' +
        'for every object; the Zipf tail is asked for by one or two)',
      phaseLine('no shield', first?.oneTier),
      phaseLine('shield', first?.twoTiers),
      phaseLine('shield, one killed', first?.shieldKilled),
      `(first run)${settings.smoke ? '; smoke: shortened load' : ''}`,
    ],
  };
}
