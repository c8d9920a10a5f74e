import type { Socket } from 'node:net';
import {
  OutboundLink,
  addressValue,
  cidrContains,
  coverageZoneOf,
  linkBetween,
  type CoverageZone,
  type LinkSpec,
  type Topology,
} from '@cdn-lab/common';
import { ClientRegionStats } from './client-region-stats.js';
import { ServedClient } from './served-client.js';

/**
 * The replica's place in a topology: the link to each client region and to the origin. Both
 * of the replica's hops are emulated here, once each, because the other end may not be
 * cdn-lab (curl, a browser, an outside origin); the balancer's hops are not emulated at all.
 */
export class RegionLinks {
  private readonly zone: CoverageZone;
  private readonly clients = new WeakMap<Socket, ServedClient>();
  readonly stats = new ClientRegionStats();
  /** Replica → origin (the origin's region from the topology). */
  readonly originLink: LinkSpec;

  constructor(
    readonly topology: Topology,
    readonly region: string,
  ) {
    this.zone = coverageZoneOf(topology);
    this.originLink = linkBetween(topology, region, topology.origin);
  }

  /**
   * A new connection: a client whose address the zone places gets the link between its region
   * and this one on everything the replica sends it, as a round trip (its request's way in is
   * added to the answer's way out). An address no zone holds (the balancer's probes, an
   * operator's tools) crosses no emulated link.
   */
  attach(socket: Socket): ServedClient | null {
    const match = this.zone.match(socket.remoteAddress ?? '');
    if (!match) return null;
    const link = linkBetween(this.topology, match.region, this.region);
    const client = new ServedClient(
      match.region,
      new OutboundLink(socket, link, { roundTrip: true }),
      this.stats,
    );
    this.clients.set(socket, client);
    return client;
  }

  /**
   * Replica → a parent at `address`: the link to the region whose replica loopback range holds
   * it; an address in no region's range (a Docker name's, say) is taken to be in the origin's
   * region, where the shield tier sits.
   */
  linkToReplicaAt(address: string): LinkSpec {
    const parsed = addressValue(address);
    const home = parsed
      ? this.topology.regions.find((region) =>
          cidrContains(region.loopback, parsed.family, parsed.value),
        )
      : undefined;
    return linkBetween(this.topology, this.region, home?.name ?? this.topology.origin);
  }

  clientOf(socket: Socket): ServedClient | null {
    return this.clients.get(socket) ?? null;
  }
}
