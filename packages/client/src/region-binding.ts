import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import {
  UserError,
  addressValue,
  cidrContains,
  loopbackClientAddress,
  regionNamed,
  type Topology,
} from '@cdn-lab/common';

/**
 * A client placed in a region: the name it sends as the route hint, and the source address of
 * each connection it opens (to the balancer and to the replicas).
 */
export interface RegionBinding {
  region: string;
  /** Whether route requests name the region (the hint); false: the address alone places it. */
  hint: boolean;
  /** Where the addresses come from: an interface of this host, or the lab's loopback range. */
  source: 'interface' | 'loopback';
  /** The source address for the next connection. */
  nextAddress(): string;
}

/**
 * Loopback addresses one client spreads its connections over (127.R.200.1 …), so a load of
 * many connections stays far below a replica's connections-per-source limit.
 */
export const LOOPBACK_SPREAD = 64;

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** This host's addresses that lie inside one of the region's client ranges. */
function interfaceAddressesIn(
  clients: Topology['regions'][number]['clients'],
  interfaces: Interfaces,
): string[] {
  const found: string[] = [];
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      // Loopback ranges are the local lab's, which the loopback branch below spreads over.
      if (entry.internal) continue;
      const parsed = addressValue(entry.address);
      if (parsed && clients.some((cidr) => cidrContains(cidr, parsed.family, parsed.value))) {
        found.push(entry.address);
      }
    }
  }
  return found;
}

function cycle(addresses: readonly string[]): () => string {
  let next = 0;
  return () => {
    const address = addresses[next % addresses.length] as string;
    next += 1;
    return address;
  };
}

/**
 * Places the client in region `name` of `topology`: an address of this host inside one of the
 * region's `clients` ranges when it has one (the Docker regions lab adds one to each client
 * container), else the region's loopback client addresses (the local lab). Unknown region: a
 * one-line UserError naming the file's regions.
 */
export function bindRegion(
  topology: Topology,
  name: string,
  interfaces: Interfaces = networkInterfaces(),
): RegionBinding {
  const region = regionNamed(topology, name);
  if (!region) {
    const names = topology.regions.map((known) => known.name).join(', ');
    throw new UserError(
      `--region ${name}: no such region in ${topology.source} (its regions: ${names})`,
      2,
    );
  }
  const own = interfaceAddressesIn(region.clients, interfaces);
  if (own.length > 0)
    return { region: name, hint: true, source: 'interface', nextAddress: cycle(own) };
  const loopback = Array.from({ length: LOOPBACK_SPREAD }, (_, i) =>
    loopbackClientAddress(region, i + 1),
  );
  return { region: name, hint: true, source: 'loopback', nextAddress: cycle(loopback) };
}
