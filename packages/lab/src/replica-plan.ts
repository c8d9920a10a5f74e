import {
  MAX_REPLICAS_PER_REGION,
  UserError,
  loopbackReplicaAddress,
  regionNamed,
  type Topology,
} from '@cdn-lab/common';
import { SHIELD_HOST_BASE_IN_REGION } from './lab-options.js';

/** Where the lab starts one replica, under which name, in which region (null: the flat lab). */
export interface PlannedReplica {
  name: string;
  host: string;
  region: string | null;
}

/**
 * The flat lab: `count` replicas at `${network}.1…`. With a topology: each region's replicas at
 * 127.R.0.1…, named replica-<region>-<n>; `perRegion` replaces every region's own count.
 */
export function planReplicas(
  options: { replicas: number; replicaNetwork: string; replicasPerRegion: number | null },
  topology: Topology | null,
): PlannedReplica[] {
  if (!topology) {
    return Array.from({ length: options.replicas }, (_, i) => ({
      name: `replica-${i + 1}`,
      host: `${options.replicaNetwork}.${i + 1}`,
      region: null,
    }));
  }
  const perRegion = options.replicasPerRegion;
  if (perRegion !== null && perRegion > MAX_REPLICAS_PER_REGION) {
    throw new UserError(
      `--replicas ${perRegion} with a topology is per region: at most ${MAX_REPLICAS_PER_REGION}`,
      2,
    );
  }
  return topology.regions.flatMap((region) =>
    Array.from({ length: perRegion ?? region.replicas }, (_, i) => ({
      name: `replica-${region.name}-${i + 1}`,
      host: loopbackReplicaAddress(region, i + 1),
      region: region.name,
    })),
  );
}

/**
 * The shield tier: `shield-1…N` at `${network}.1…` in the flat lab; with a topology in the
 * origin's region (where a shield sits next to the origin), at 127.R.0.201….
 */
export function planShields(
  options: { shields: number; shieldNetwork: string },
  topology: Topology | null,
): PlannedReplica[] {
  return Array.from({ length: options.shields }, (_, i) => ({
    name: `shield-${i + 1}`,
    host: shieldHost(i + 1, options.shieldNetwork, topology),
    region: topology?.origin ?? null,
  }));
}

/** Where shield-n listens: `${network}.n`, or with a topology 127.R.0.(200 + n) of the origin's region. */
export function shieldHost(n: number, network: string, topology: Topology | null): string {
  if (!topology) return `${network}.${n}`;
  const originRegion = regionNamed(topology, topology.origin);
  if (!originRegion) throw new Error(`${topology.source}: the origin's region is not a region`);
  return loopbackReplicaAddress(originRegion, SHIELD_HOST_BASE_IN_REGION + n);
}
