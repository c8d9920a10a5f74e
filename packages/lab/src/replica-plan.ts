import {
  MAX_REPLICAS_PER_REGION,
  UserError,
  loopbackReplicaAddress,
  type Topology,
} from '@cdn-lab/common';

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
