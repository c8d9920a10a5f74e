import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadTopology,
  loopbackClientAddress,
  loopbackReplicaAddress,
  type Topology,
} from '@cdn-lab/common';
import { RoleProcess } from './roles.js';

export interface RegionalReplica {
  region: string;
  host: string;
  port: number;
  process: RoleProcess;
}

/** A topology's regions on loopback: replicas at 127.R.0.n, a balancer knowing the world. */
export interface RegionalWorld {
  topology: Topology;
  replicas: RegionalReplica[];
  /** The shield tier (in the origin's region, 127.R.0.(200+n)): the edges' parents. */
  shields: RegionalReplica[];
  balancer: RoleProcess;
  /** The region a replica id (host:port) serves in. */
  regionOf(replicaId: string): string | null;
  /** A client address of a region (127.R.200.n). */
  clientAddress(region: string, n: number): string;
  kill(region: string): Promise<void>;
  /** Starts a region's killed replicas again on their own addresses and ports. */
  restart(region: string): Promise<void>;
  stop(): Promise<void>;
}

/** How a replica of the world is started: where it is, and its tier's settings. */
interface ReplicaPlace {
  topologyFile: string;
  originUrl: string;
  region: string;
  /** An edge's parents file; null: a shield, or an edge of a world without one. */
  parentsFile: string | null;
}

function startReplica(place: ReplicaPlace, host: string, port: number): Promise<RoleProcess> {
  const { topologyFile, originUrl, region, parentsFile } = place;
  return RoleProcess.start({
    role: 'replica',
    host,
    port,
    options: {
      origin: originUrl,
      region,
      topology: topologyFile,
      ...(parentsFile === null ? {} : { parents: parentsFile, tier: 'edge' }),
    },
  });
}

/** The shield replicas in the origin's region, and the parents file that lists them. */
async function startShields(
  topology: Topology,
  options: { dir: string; topologyFile: string; originUrl: string; shields: number },
): Promise<{ shields: RegionalReplica[]; parentsFile: string | null }> {
  if (options.shields === 0) return { shields: [], parentsFile: null };
  const home = topology.regions.find((region) => region.name === topology.origin);
  if (!home) throw new Error(`the origin's region ${topology.origin} is not a region`);
  const shields = await Promise.all(
    Array.from({ length: options.shields }, async (_, index): Promise<RegionalReplica> => {
      const host = loopbackReplicaAddress(home, SHIELD_HOST_BASE + index + 1);
      const role = await RoleProcess.start({
        role: 'replica',
        host,
        port: 0,
        options: {
          origin: options.originUrl,
          region: home.name,
          topology: options.topologyFile,
          tier: 'shield',
        },
      });
      return { region: home.name, host, port: role.port, process: role };
    }),
  );
  const parentsFile = join(options.dir, 'parents-regions.txt');
  await writeFile(parentsFile, shields.map((r) => `${r.host}:${r.port}\n`).join(''));
  return { shields, parentsFile };
}

/** Shields sit at 127.R.0.(200+n), above any region's replicas (the lab's place for them). */
const SHIELD_HOST_BASE = 200;

export async function startRegionalWorld(options: {
  dir: string;
  topologyFile: string;
  originUrl: string;
  strategy: string;
  /** Replicas in every region instead of the file's counts. */
  replicasPerRegion?: number;
  /** Shield replicas (the edges' parents) in the origin's region; default none. */
  shields?: number;
}): Promise<RegionalWorld> {
  const topology = loadTopology(options.topologyFile);
  const { shields, parentsFile } = await startShields(topology, {
    ...options,
    shields: options.shields ?? 0,
  });
  const placeOf = (region: string): ReplicaPlace => ({
    topologyFile: options.topologyFile,
    originUrl: options.originUrl,
    region,
    parentsFile,
  });
  const replicas = await Promise.all(
    topology.regions.flatMap((region) =>
      Array.from(
        { length: options.replicasPerRegion ?? region.replicas },
        async (_, index): Promise<RegionalReplica> => {
          const host = loopbackReplicaAddress(region, index + 1);
          const role = await startReplica(placeOf(region.name), host, 0);
          return { region: region.name, host, port: role.port, process: role };
        },
      ),
    ),
  );
  const serversFile = join(options.dir, 'servers-regions.txt');
  await writeFile(serversFile, replicas.map((r) => `${r.host}:${r.port}\n`).join(''));
  let balancer: RoleProcess;
  try {
    balancer = await RoleProcess.start({
      role: 'balancer',
      options: {
        serversFile,
        strategy: options.strategy,
        topology: options.topologyFile,
        legacySilenceMs: 0,
      },
      expectUp: replicas.length,
    });
  } catch (error) {
    await Promise.all([...replicas, ...shields].map((replica) => replica.process.stop()));
    throw error;
  }
  const regions = new Map(replicas.map((r) => [`${r.host}:${r.port}`, r.region]));
  return {
    topology,
    replicas,
    shields,
    balancer,
    regionOf: (id) => regions.get(id) ?? null,
    clientAddress: (name, n) => {
      const region = topology.regions.find((candidate) => candidate.name === name);
      if (!region) throw new Error(`no region ${name}`);
      return loopbackClientAddress(region, n);
    },
    kill: async (region) => {
      await Promise.all(replicas.filter((r) => r.region === region).map((r) => r.process.kill()));
    },
    restart: async (region) => {
      await Promise.all(
        replicas
          .filter((r) => r.region === region)
          .map(async (r) => {
            r.process = await startReplica(placeOf(r.region), r.host, r.port);
          }),
      );
    },
    stop: async () => {
      await balancer.stop();
      await Promise.all(replicas.map((replica) => replica.process.stop()));
      await Promise.all(shields.map((shield) => shield.process.stop()));
    },
  };
}
