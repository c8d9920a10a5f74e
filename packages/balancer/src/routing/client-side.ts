import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { addressValue, cidrContains, endpointId, parseCidr, type Cidr } from '@cdn-lab/common';
import type { Endpoint } from '@cdn-lab/protocol';
import type { ReplicaView } from '../strategies/index.js';
import type { CandidateFilter, ClientAddress, LocalEnd } from './route-types.js';

/** What os.networkInterfaces() gives; injectable, so a test can say which subnet is where. */
export type InterfaceTable = () => NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * How old the interface table may get before it is read again: a container can be attached to
 * another network while it runs, and reading it took ~0.2 ms here: more than B1 spends on a
 * whole connection, route included.
 */
export const INTERFACES_REFRESH_MS = 10_000;

/** One subnet of the machine's interfaces. */
class LocalSubnet {
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
}

/**
 * One interface (eth0, an overlay's): all its subnets, IPv4 and IPv6 alike, and which replica
 * hosts they hold (memoised). A connection that arrived on it is inside for a replica on any
 * of them: a dual-stack client at fd00:1::2 reaches a replica probed at 10.0.1.5 on eth0.
 */
class LocalInterface {
  constructor(readonly name: string) {}

  private subnets: LocalSubnet[] = [];
  private readonly holds = new Map<string, boolean>();
  /** Bumped when its subnets change: candidate lists cached against it are stale then. */
  revision = 0;

  /** A table read again: the memo holds while the subnets do. */
  update(subnets: LocalSubnet[]): void {
    const text = (list: LocalSubnet[]): string => list.map((subnet) => subnet.cidr).join(' ');
    if (text(subnets) === text(this.subnets)) return;
    this.subnets = subnets;
    this.holds.clear();
    this.revision += 1;
  }

  /** IPv4-mapped IPv6 counts as IPv4; a name that is no address is never held. */
  contains(host: string): boolean {
    let held = this.holds.get(host);
    if (held === undefined) {
      const address = addressValue(host);
      held =
        address !== null &&
        this.subnets.some((subnet) => subnet.holdsValue(address.family, address.value));
      // A replica set is a few thousand hosts; the bound is for a servers file that churns.
      if (this.holds.size >= 65_536) this.holds.clear();
      this.holds.set(host, held);
    }
    return held;
  }
}

/** An interface address (its numeric value), its subnet and its interface, as the table lists them. */
interface InterfaceAddress {
  family: 4 | 6;
  value: bigint;
  subnet: LocalSubnet;
  network: LocalInterface;
}

/** The candidates among one routable list, at one version of it. */
interface CachedCandidates {
  version: number;
  revision: number;
  views: readonly ReplicaView[];
}

/**
 * Where one client connection can be sent: for each replica, the address it probes when the
 * replica is on the interface the connection arrived on (inside), else the one the replica
 * advertises (outside), else none.
 */
export class ClientSide {
  private cached: CachedCandidates | null = null;

  /**
   * `subnet`: the subnet of the balancer's address the connection arrived at, `network` its
   * interface; null: none known.
   */
  constructor(
    readonly subnet: LocalSubnet | null,
    private readonly network: LocalInterface | null = null,
  ) {}

  /** The address this client is given for a replica; null: none it can reach. */
  addressOf(view: ReplicaView): ClientAddress | null {
    if (this.network?.contains(view.host)) return view;
    return view.load?.advertised ?? null;
  }

  /** The replicas this client may be sent to: with an address for it that `reachable` accepts. */
  candidates(reachable?: (address: ClientAddress) => boolean): (view: ReplicaView) => boolean {
    return (view) => {
      const address = this.addressOf(view);
      return address !== null && (reachable === undefined || reachable(address));
    };
  }

  /**
   * The routable replicas this client has an address for, computed once per `version` of the
   * routable list (the balancer bumps it when the list or the set of advertising replicas
   * changes): with 1 000 advertising replicas, filtering on every route cost tens of µs.
   */
  among(routable: readonly ReplicaView[], version: number): readonly ReplicaView[] {
    const revision = this.network?.revision ?? 0;
    const cached = this.cached;
    if (cached?.version === version && cached.revision === revision) return cached.views;
    const views = routable.filter(this.candidates());
    this.cached = { version, revision, views };
    return views;
  }

  /** What one request may choose among: the cached candidates, narrowed by the dialect's `reachable`. */
  filter(reachable?: (address: ClientAddress) => boolean, region?: string): CandidateFilter {
    return {
      reachable: this.candidates(reachable),
      among: (routable, version) => {
        const views = this.among(routable, version);
        return reachable === undefined ? views : views.filter(this.candidates(reachable));
      },
      ...(region === undefined ? {} : { region }),
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
  /** One per interface name, kept across reads of the table (and its memo with it). */
  private readonly networks = new Map<string, LocalInterface>();
  /** One side per interface subnet, shared by its connections (and their candidate cache). */
  private readonly bySubnet = new Map<string, ClientSide>();
  private readonly byConnection = new WeakMap<LocalEnd, ClientSide>();
  /** Per balancer, not shared: its candidate cache is of this balancer's routable list. */
  private readonly nowhere = new ClientSide(null);

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
    const own = address === null ? null : this.addressOn(address.family, address.value);
    if (own === null) return this.nowhere;
    const key = `${own.network.name} ${own.subnet.cidr}`;
    let side = this.bySubnet.get(key);
    if (side === undefined) {
      side = new ClientSide(own.subnet, own.network);
      this.bySubnet.set(key, side);
    }
    return side;
  }

  /** The interface address that is this very address; else the narrowest subnet containing it. */
  private addressOn(family: 4 | 6, value: bigint): InterfaceAddress | null {
    const addresses = this.current();
    const own = addresses.find((entry) => entry.family === family && entry.value === value);
    if (own) return own;
    let best: InterfaceAddress | null = null;
    for (const entry of addresses) {
      const { subnet } = entry;
      if (
        subnet.holdsValue(family, value) &&
        (best === null || subnet.prefix > best.subnet.prefix)
      ) {
        best = entry;
      }
    }
    return best;
  }

  private current(): InterfaceAddress[] {
    const now = this.now();
    if (now - this.readAt >= this.refreshMs) {
      this.readAt = now;
      this.addresses = interfaceAddresses(this.interfaces(), this.networks);
    }
    return this.addresses;
  }
}

/** Every interface address with a subnet, grouped by interface; an interface seen before keeps its object. */
function interfaceAddresses(
  table: NodeJS.Dict<NetworkInterfaceInfo[]>,
  networks: Map<string, LocalInterface>,
): InterfaceAddress[] {
  const addresses: InterfaceAddress[] = [];
  for (const [name, list] of Object.entries(table)) {
    let network = networks.get(name);
    if (network === undefined) {
      network = new LocalInterface(name);
      networks.set(name, network);
    }
    const subnets: LocalSubnet[] = [];
    for (const info of list ?? []) {
      const address = addressValue(info.address);
      const range = info.cidr === null ? null : parseCidr(info.cidr);
      if (address === null || range === null || typeof range === 'string') continue;
      const subnet = new LocalSubnet(range);
      subnets.push(subnet);
      addresses.push({ ...address, subnet, network });
    }
    network.update(subnets);
  }
  return addresses;
}
