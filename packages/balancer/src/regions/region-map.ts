import {
  BoundedMemo,
  coverageZoneOf,
  regionsByDistance,
  type CoverageZone,
  type Topology,
  type ZoneMatch,
} from '@cdn-lab/common';

/** Client addresses whose zone match is kept: a lab has a few hundred at most. */
const REMEMBERED_ADDRESSES = 4096;

/**
 * What the balancer takes from a topology: the region names, the coverage zone, the default
 * region and, for each region, the others by distance. Built once; zone matches are kept per
 * address, so a route from a known client costs one map lookup.
 */
export class RegionMap {
  readonly names: readonly string[];
  private readonly zone: CoverageZone;
  private readonly orders: ReadonlyMap<string, readonly string[]>;
  private readonly matches: BoundedMemo<string, ZoneMatch | null>;

  /** `defaultRegion`: one of the topology's regions (resolveBalancerOptions checks it). */
  constructor(
    readonly topology: Topology,
    readonly defaultRegion: string,
  ) {
    this.names = topology.regions.map((region) => region.name);
    this.zone = coverageZoneOf(topology);
    this.orders = new Map(this.names.map((name) => [name, regionsByDistance(topology, name)]));
    this.matches = new BoundedMemo(REMEMBERED_ADDRESSES, (address) => this.zone.match(address));
  }

  has(name: string): boolean {
    return this.orders.has(name);
  }

  /** The coverage zone's longest-prefix match for a client address (IPv4-mapped is IPv4). */
  zoneOf(address: string): ZoneMatch | null {
    return this.matches.get(address);
  }

  /** The region first, then the others from nearest to farthest. */
  orderFrom(region: string): readonly string[] {
    return this.orders.get(region) ?? [region];
  }
}
