import type { TestContext } from 'node:test';
import { startBalancer, type BalancerHandle, type BalancerOptions } from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { RouteClient, tempServersFile, waitForState } from './helpers.js';
import { threeRegions } from './region-helpers.js';

const REGION_NUMBER = { eu: 1, us: 2, ap: 3 } as const;
export type LabRegion = keyof typeof REGION_NUMBER;

/** A client address of a region of the shipped topology: 127.R.200.n. */
export function clientIn(region: LabRegion, n = 1): string {
  return `127.${REGION_NUMBER[region]}.200.${n}`;
}

export interface RegionCluster {
  balancer: BalancerHandle;
  /** The fake replicas of each region, at 127.R.0.1, 127.R.0.2 … (each on its own port). */
  replicas: Record<LabRegion, FakeReplica[]>;
  url: string;
  /** A native route connection from `address` (default: 127.0.0.1, in no zone). */
  clientFrom(address?: string): Promise<RouteClient>;
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
  const all = Object.values(replicas).flat();
  t.after(() => Promise.all(all.map((replica) => replica.stop())));
  const file = await tempServersFile(all.map((replica) => replica.id));
  t.after(() => file.remove());
  const balancer = await startBalancer({
    port: 0,
    serversFile: file.file,
    topology: threeRegions(),
    admin: { port: 0 },
    ...options,
  });
  t.after(() => balancer.close());
  await Promise.all(all.map((replica) => waitForState(balancer, replica.id, 'up')));
  const clients: RouteClient[] = [];
  t.after(() => Promise.all(clients.map((client) => client.close())));
  return {
    balancer,
    replicas,
    url: balancer.admin?.url ?? '',
    clientFrom: async (address) => {
      const client = await RouteClient.open(balancer.endpoint, true, address);
      clients.push(client);
      return client;
    },
  };
}
