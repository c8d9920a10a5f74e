import type { Cidr } from './cidr.js';
import { CoverageZone } from './coverage-zone.js';

/** One direction of a path between two places; both directions of a link are the same. */
export interface LinkSpec {
  /** One-way delay. */
  delayMs: number;
  /** Each chunk waits up to this much longer (uniform), never overtaking the one before it. */
  jitterMs: number;
  /** Bytes per second the link carries; null: as fast as the machine goes. */
  bytesPerSecond: number | null;
  /** Fraction of segments lost (0..0.5); each loss stalls the bytes one retransmission timeout. */
  loss: number;
}

export interface RegionSpec {
  name: string;
  /** How many replicas the lab starts in this region. */
  replicas: number;
  /** The loopback range the local lab gives this region (replicas at .0.1…, clients at .200.1…). */
  loopback: Cidr;
  /** The coverage zone's ranges for this region's clients. */
  clients: Cidr[];
  /** The link inside the region. */
  inside: LinkSpec;
}

export interface Topology {
  /** Where it was read from, for messages. */
  source: string;
  regions: RegionSpec[];
  /** The region the origin sits in. */
  origin: string;
  /** Where clients whose address no zone holds are placed. */
  defaultRegion: string;
  /** Between two different regions, keyed by `pairKey`. */
  links: ReadonlyMap<string, LinkSpec>;
}

/** The key of the link between two regions, the same either way round. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export function regionNamed(topology: Topology, name: string): RegionSpec | undefined {
  return topology.regions.find((region) => region.name === name);
}

export function linkBetween(topology: Topology, a: string, b: string): LinkSpec {
  const link = a === b ? regionNamed(topology, a)?.inside : topology.links.get(pairKey(a, b));
  if (!link) throw new Error(`the topology ${topology.source} has no link ${a}–${b}`);
  return link;
}

/** A region first, then the others from nearest to farthest by one-way delay (ties by name). */
export function regionsByDistance(topology: Topology, from: string): string[] {
  const others = topology.regions
    .map((region) => region.name)
    .filter((name) => name !== from)
    .map((name) => ({ name, delayMs: linkBetween(topology, from, name).delayMs }))
    .sort((a, b) => a.delayMs - b.delayMs || (a.name < b.name ? -1 : 1));
  return [from, ...others.map((other) => other.name)];
}

export function coverageZoneOf(topology: Topology): CoverageZone {
  return new CoverageZone(
    topology.regions.flatMap((region) =>
      region.clients.map((cidr) => ({ cidr, region: region.name })),
    ),
  );
}

/** A round trip on a link: both one-way delays (jitter aside). */
export function roundTripMs(link: LinkSpec): number {
  return 2 * link.delayMs;
}
