import { join, resolve } from 'node:path';
import { bindRegion, runLoad, type LoadReport } from '@cdn-lab/client';
import { loadTopology, openEventLog } from '@cdn-lab/common';
import { startLab, type Lab } from '../../lab.js';
import { LAB_DEFAULTS, type LabOptions } from '../../lab-options.js';
import { waitForRoutes } from '../../wait-for-routes.js';
import type { HotObject, RequestSequence, Scenario } from '../scenario/index.js';
import { warmEdges, writeMixObjects, type MixObject } from './mix-site.js';
import { LabSampler, type LabSample } from './lab-sampler.js';
import { loadTotals, type LoadTotals } from './load-totals.js';
import { OutcomeBuckets } from './outcome-buckets.js';
import { RoleRoster } from './role-roster.js';
import { startSampleLoop } from './sample-loop.js';
import { performStep } from './step-actions.js';
import { startTimeline, type StepRecord } from './timeline.js';

export interface VariantInput {
  label: string;
  scenario: Scenario;
  /** The sequence of a client region (null: the flat lab's one load). */
  sequence(region: string | null): RequestSequence;
  /** Objects the mix needs written into the site (a zipf mix's), and every path it asks for. */
  objects: readonly MixObject[];
  mixPaths: readonly string[];
}

/** Where the variant's lab runs: `cdn-lab up`'s settings. */
export interface LabPlace {
  dir: string;
  port: number;
  originPort: number;
  adminPort: number;
  /** Replica i listens on `${replicaNetwork}.i` (the flat lab). */
  replicaNetwork?: string;
  onLine: LabOptions['onLine'];
}

export type Phase = 'starting lab' | 'warming' | 'running' | 'stopping';

export interface VariantProgress {
  phase: Phase;
  elapsedMs: number;
  durationMs: number;
  requests: number;
  errors: number;
}

/** What one variant recorded, for its report and its summary. */
export interface VariantRecord {
  label: string;
  /** The load's end (ms since it started): the last sample's time. */
  endMs: number;
  buckets: OutcomeBuckets;
  samples: LabSample[];
  regions: string[];
  edges: string[];
  roles: string[];
  steps: StepRecord[];
  totals: LoadTotals;
  hitTotals: Map<string, { hits: number; misses: number }>;
  /** Stopped early (Ctrl-C): what was recorded until then. */
  partial: boolean;
}

function labOptions(
  scenario: Scenario,
  place: LabPlace,
  objects: readonly MixObject[],
): LabOptions {
  const { lab } = scenario;
  const topology = lab.topology === null ? null : loadTopology(resolve(lab.topology));
  return {
    ...LAB_DEFAULTS,
    ...{
      dir: place.dir,
      port: place.port,
      originPort: place.originPort,
      adminPort: place.adminPort,
    },
    replicaNetwork: place.replicaNetwork ?? LAB_DEFAULTS.replicaNetwork,
    replicas: lab.replicas ?? LAB_DEFAULTS.replicas,
    replicasPerRegion: topology ? lab.replicas : null,
    strategy: lab.strategy ?? undefined,
    topology,
    shields: lab.shield,
    maxObjectBytes: lab.maxObjectBytes ?? undefined,
    onLine: place.onLine,
    replicaArgs: [
      ...(lab.cacheBytes === null ? [] : ['--cache-bytes', String(lab.cacheBytes)]),
      ...(lab.ttlMs === null ? [] : ['--ttl', `${lab.ttlMs}ms`]),
    ],
    prepareSite: (siteDir) => writeMixObjects(siteDir, objects),
  };
}

/** Each client region's clients and share of the rate; the flat lab is one load (region null). */
function clientGroups(scenario: Scenario, lab: Lab): { region: string | null; clients: number }[] {
  const entries = Object.entries(scenario.load.clients);
  if (lab.topology === null) {
    return [{ region: null, clients: entries.reduce((sum, [, clients]) => sum + clients, 0) }];
  }
  return entries.map(([region, clients]) => ({ region, clients }));
}

/**
 * Runs one variant: a fresh lab, warm caches if asked, the load with the timeline and the
 * sampler, and the lab stopped again; `signal` (Ctrl-C) ends it early with what was recorded.
 */
export async function runVariant(
  input: VariantInput,
  place: LabPlace,
  signal: AbortSignal,
  onProgress: (progress: VariantProgress) => void,
): Promise<VariantRecord> {
  const { scenario } = input;
  const durationMs = scenario.load.durationMs;
  const unexpected: StepRecord[] = [];
  let loadStartedAt: number | null = null;
  let requests = 0;
  let errors = 0;
  const progress = (phase: Phase): void =>
    onProgress({
      phase,
      elapsedMs: loadStartedAt === null ? 0 : performance.now() - loadStartedAt,
      ...{ durationMs, requests, errors },
    });
  progress('starting lab');
  const lab = await startLab({
    ...labOptions(scenario, place, input.objects),
    onUnexpectedExit: (name, exit) => {
      const t = loadStartedAt === null ? 0 : (performance.now() - loadStartedAt) / 1000;
      const how = exit.signal ?? `exit code ${exit.code}`;
      unexpected.push({ t, label: `${name} exited on its own (${how})`, ok: false });
    },
  });
  try {
    await waitForRoutes(lab.balancer.ready.host, lab.balancer.ready.port, 10_000);
    if (scenario.lab.warm && !signal.aborted) {
      progress('warming');
      await warmEdges(lab.replicas, input.mixPaths);
    }
    const roster = new RoleRoster(lab);
    const sampler = new LabSampler(lab, roster);
    await sampler.baseline();
    const buckets = new OutcomeBuckets(scenario.sampleMs);
    const okLatencies: number[] = [];
    let hot: HotObject | null = null;
    const startedAt = performance.now();
    loadStartedAt = startedAt;
    progress('running');
    const ticker = setInterval(() => progress('running'), 1_000);
    const timeline = startTimeline(scenario.timeline, startedAt, (step) =>
      performStep(step, { lab, setHot: (spot) => (hot = spot) }),
    );
    const sampling = startSampleLoop(startedAt, scenario.sampleMs, () => sampler.sample());
    const groups = clientGroups(scenario, lab);
    const allClients = groups.reduce((sum, group) => sum + group.clients, 0);
    const clientLog = openEventLog('client', join(lab.logDir, 'client.log'), 'warn');
    const balancer = { host: lab.balancer.ready.host, port: lab.balancer.ready.port };
    let reports: LoadReport[];
    try {
      reports = await Promise.all(
        groups.map(({ region, clients }) => {
          const sequence = input.sequence(region);
          const rate = scenario.load.rate;
          return runLoad({
            balancer,
            paths: [],
            pathAt: (index) => sequence.pathAt(index, hot),
            durationMs,
            concurrency: clients,
            ...(rate === null ? {} : { ratePerSecond: (rate * clients) / allClients }),
            signal,
            log: clientLog.log,
            region: region === null || !lab.topology ? undefined : bindRegion(lab.topology, region),
            onProgress: ({ last }) => {
              requests += 1;
              if (!last.ok) errors += 1;
              if (last.ok) okLatencies.push(last.latencyMs);
              const served = last.servedBy.at(-1);
              const edge = last.ok && served !== undefined ? roster.nameOf(served) : null;
              buckets.add({ atMs: performance.now() - startedAt, region, outcome: last, edge });
            },
          });
        }),
      );
    } finally {
      clearInterval(ticker);
      clientLog.close();
    }
    const endMs = performance.now() - startedAt;
    const steps = await timeline.stop();
    const samples = await sampling.finish(endMs);
    progress('stopping');
    return {
      label: input.label,
      endMs,
      buckets,
      samples,
      regions: lab.topology
        ? groups.flatMap(({ region }) => (region === null ? [] : [region]))
        : [],
      edges: [...roster.edges],
      roles: [...roster.edges, ...roster.shields],
      steps: [...steps, ...unexpected].sort((a, b) => a.t - b.t),
      totals: loadTotals(reports, okLatencies, (id) => roster.nameOf(id)),
      hitTotals: sampler.hitTotals,
      partial: signal.aborted,
    };
  } finally {
    await lab.stop();
  }
}
