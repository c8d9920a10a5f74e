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

function startReplica(
  topologyFile: string,
  originUrl: string,
  region: string,
  host: string,
  port: number,
): Promise<RoleProcess> {
  return RoleProcess.start({
    role: 'replica',
    host,
    port,
    options: { origin: originUrl, region, topology: topologyFile },
  });
}

export async function startRegionalWorld(options: {
  dir: string;
  topologyFile: string;
  originUrl: string;
  strategy: string;
  /** Replicas in every region instead of the file's counts. */
  replicasPerRegion?: number;
}): Promise<RegionalWorld> {
  const topology = loadTopology(options.topologyFile);
  const replicas = await Promise.all(
    topology.regions.flatMap((region) =>
      Array.from(
        { length: options.replicasPerRegion ?? region.replicas },
        async (_, index): Promise<RegionalReplica> => {
          const host = loopbackReplicaAddress(region, index + 1);
          const role = await startReplica(
            options.topologyFile,
            options.originUrl,
            region.name,
            host,
            0,
          );
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
    await Promise.all(replicas.map((replica) => replica.process.stop()));
    throw error;
  }
  const regions = new Map(replicas.map((r) => [`${r.host}:${r.port}`, r.region]));
  return {
    topology,
    replicas,
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
            r.process = await startReplica(
              options.topologyFile,
              options.originUrl,
              r.region,
              r.host,
              r.port,
            );
          }),
      );
    },
    stop: async () => {
      await balancer.stop();
      await Promise.all(replicas.map((replica) => replica.process.stop()));
    },
  };
}
