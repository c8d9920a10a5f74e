import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { addressValue, cidrContains, endpointId, parseCidr, type Cidr } from '@cdn-lab/common';
import type { Endpoint } from '@cdn-lab/protocol';
import type { ReplicaView } from '../strategies/index.js';
import type { ClientAddress, LocalEnd } from './route-types.js';

/** What os.networkInterfaces() gives; injectable, so a test can say which subnet is where. */
export type InterfaceTable = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * How old the interface table may get before it is read again: a container can be attached to
 * another network while it runs, and reading it took ~0.2 ms here: more than B1 spends on a
 * whole connection, route included.
 */
export const INTERFACES_REFRESH_MS = 10_000;

/** One subnet of the machine's interfaces, and which replica hosts it holds (memoised). */
class LocalSubnet {
  private readonly holds = new Map<string, boolean>();

  constructor(private readonly range: Cidr) {}

  get cidr(): string {
    return this.range.text;
  }

  get prefix(): number {
    return this.range.prefix;
  }

  holdsValue(family: 4 | 6, value: bigint): boolean {
    return cidrContains(this.range, family, value);
  }

  /** IPv4-mapped IPv6 counts as IPv4; a name that is no address is never held. */
  contains(host: string): boolean {
    let held = this.holds.get(host);
    if (held === undefined) {
      const address = addressValue(host);
      held = address !== null && this.holdsValue(address.family, address.value);
      // A replica set is a few thousand hosts; the bound is for a servers file that churns.
      if (this.holds.size >= 65_536) this.holds.clear();
      this.holds.set(host, held);
    }
    return held;
  }
}

/** An interface address (its numeric value) and its subnet, as the table lists them. */
interface InterfaceAddress {
  family: 4 | 6;
  value: bigint;
  subnet: LocalSubnet;
}

/**
 * Where one client connection can be sent: for each replica, the address it probes when the
 * replica is on the subnet the connection arrived on (inside), else the one the replica
 * advertises (outside), else none.
 */
export class ClientSide {
  /** `subnet`: the subnet of the balancer's address the connection arrived at; null: none known. */
  constructor(readonly subnet: LocalSubnet | null) {}

  /** The address this client is given for a replica; null: none it can reach. */
  addressOf(view: ReplicaView): ClientAddress | null {
    if (this.subnet?.contains(view.host)) return view;
    return view.load?.advertised ?? null;
  }

  /** The replicas this client may be sent to: with an address for it that `reachable` accepts. */
  candidates(reachable?: (address: ClientAddress) => boolean): (view: ReplicaView) => boolean {
    return (view) => {
      const address = this.addressOf(view);
      return address !== null && (reachable === undefined || reachable(address));
    };
  }

  /** The endpoint named in the answer; only for a replica `candidates` accepted. */
  endpointOf(view: ReplicaView): Endpoint {
    const address = this.addressOf(view) ?? view;
    if (address === view) return { id: view.id, host: view.host, port: view.port };
    return { id: endpointId(address.host, address.port), host: address.host, port: address.port };
  }
}

export interface ClientSidesOptions {
  interfaces?: InterfaceTable;
  refreshMs?: number;
  now?: () => number;
}

/**
 * The inside/outside rule (docs/architecture.md#inside-and-outside-clients). A client's side is
 * found from the balancer's own address of its connection (socket.localAddress): which of the
 * machine's interfaces the connection arrived on. The client's address would not do: behind a
 * published port or a gateway it is a NAT's, or no local subnet's at all.
 */
export class ClientSides {
  private readonly interfaces: InterfaceTable;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private addresses: InterfaceAddress[] = [];
  private readAt = Number.NEGATIVE_INFINITY;
  /** One side per subnet, shared by its connections (and the subnet's memo with them). */
  private readonly bySubnet = new Map<string, ClientSide>();
  private readonly byConnection = new WeakMap<LocalEnd, ClientSide>();
  private static readonly NOWHERE = new ClientSide(null);

  constructor(options: ClientSidesOptions = {}) {
    this.interfaces = options.interfaces ?? networkInterfaces;
    this.refreshMs = options.refreshMs ?? INTERFACES_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  /** The side of a connection, found at its first route and kept for the connection's life. */
  ofConnection(connection: LocalEnd): ClientSide {
    let side = this.byConnection.get(connection);
    if (side === undefined) {
      side = this.ofLocalAddress(connection.localAddress);
      this.byConnection.set(connection, side);
    }
    return side;
  }

  /** The side of a connection that arrived at this address of the balancer's. */
  ofLocalAddress(localAddress: string | undefined): ClientSide {
    const address = localAddress === undefined ? null : addressValue(localAddress);
    const subnet = address === null ? null : this.subnetOf(address.family, address.value);
    if (subnet === null) return ClientSides.NOWHERE;
    let side = this.bySubnet.get(subnet.cidr);
    if (side === undefined) {
      side = new ClientSide(subnet);
      this.bySubnet.set(subnet.cidr, side);
    }
    return side;
  }

  /** The interface holding this very address; else the narrowest subnet containing it. */
  private subnetOf(family: 4 | 6, value: bigint): LocalSubnet | null {
    const addresses = this.current();
    const own = addresses.find((entry) => entry.family === family && entry.value === value);
    if (own) return own.subnet;
    let best: LocalSubnet | null = null;
    for (const { subnet } of addresses) {
      if (subnet.holdsValue(family, value) && (best === null || subnet.prefix > best.prefix)) {
        best = subnet;
      }
    }
    return best;
  }

  private current(): InterfaceAddress[] {
    const now = this.now();
    if (now - this.readAt >= this.refreshMs) {
      this.readAt = now;
      this.addresses = interfaceAddresses(this.interfaces(), this.bySubnet);
    }
    return this.addresses;
  }
}

/** Every interface address with a subnet; a subnet seen before keeps its object (and memo). */
function interfaceAddresses(
  table: NodeJS.Dict<NetworkInterfaceInfo[]>,
  known: ReadonlyMap<string, ClientSide>,
): InterfaceAddress[] {
  const addresses: InterfaceAddress[] = [];
  for (const info of Object.values(table).flatMap((list) => list ?? [])) {
    const address = addressValue(info.address);
    const range = info.cidr === null ? null : parseCidr(info.cidr);
    if (address === null || range === null || typeof range === 'string') continue;
    const subnet = known.get(range.text)?.subnet ?? new LocalSubnet(range);
    addresses.push({ ...address, subnet });
  }
  return addresses;
}
