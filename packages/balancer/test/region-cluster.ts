import type { TestContext } from 'node:test';
import { BALANCER_DEFAULTS, type BalancerOptions } from '../src/index.js';
import { clusterOver, type FakeCluster } from './admin-helpers.js';
import { FakeReplica } from './fake-replica.js';
import { threeRegions } from './region-helpers.js';

const REGION_NUMBER = { eu: 1, us: 2, ap: 3 } as const;
export type LabRegion = keyof typeof REGION_NUMBER;

/** A client address of a region of the shipped topology: 127.R.200.n. */
export function clientIn(region: LabRegion, n = 1): string {
  return `127.${REGION_NUMBER[region]}.200.${n}`;
}

export interface RegionCluster extends FakeCluster {
  /** The fake replicas of each region, at 127.R.0.1, 127.R.0.2 … (each on its own port). */
  replicas: Record<LabRegion, FakeReplica[]>;
}

/**
 * Fake replicas in the shipped three-region world, each reporting its region in its pongs,
 * behind a balancer with that topology (so `nearest` by default) and an admin API.
 */
export async function regionCluster(
  t: TestContext,
  counts: Record<LabRegion, number>,
  options: BalancerOptions = {},
): Promise<RegionCluster> {
  const replicas = { eu: [], us: [], ap: [] } as Record<LabRegion, FakeReplica[]>;
  for (const region of Object.keys(REGION_NUMBER) as LabRegion[]) {
    for (let n = 1; n <= counts[region]; n += 1) {
      replicas[region].push(
        await FakeReplica.start(`127.${REGION_NUMBER[region]}.0.${n}`, 0, region),
      );
    }
  }
  const cluster = await clusterOver(t, Object.values(replicas).flat(), {
    topology: threeRegions(),
    // The probe interval people run with, so outage and return take what they would take.
    probeIntervalMs: BALANCER_DEFAULTS.probeIntervalMs,
    ...options,
  });
  return { ...cluster, replicas };
}
