import type { ZoneMatch } from '@cdn-lab/common';
import type { ClientPlacement } from '../strategies/types.js';
import type { RegionMap } from './region-map.js';

/** Which rule placed the client: its own hint, its address's zone, or neither (the default). */
export type PlacementRule = 'hint' | 'zone' | 'default';

export interface Placement extends ClientPlacement {
  rule: PlacementRule;
  /** The zone holding the address, also when a hint decided. */
  zone: ZoneMatch | null;
}

/**
 * The client's region: a hint naming a region of the topology wins; else the coverage zone's
 * longest-prefix match of its address; else the default region. An unknown hint is said.
 */
export function placeClient(
  regions: RegionMap,
  address: string,
  hint: string | null = null,
): Placement {
  const zone = regions.zoneOf(address);
  const placed = (region: string, rule: PlacementRule, why: string): Placement => ({
    region,
    rule,
    zone,
    why,
    regionOrder: regions.orderFrom(region),
  });
  if (hint !== null && regions.has(hint)) return placed(hint, 'hint', `hint ${hint}`);
  const unknownHint = hint === null ? '' : `hint ${hint} is no region here; `;
  if (zone) {
    return placed(zone.region, 'zone', `${unknownHint}zone ${zone.cidr} → ${zone.region}`);
  }
  const fallback = regions.defaultRegion;
  return placed(
    fallback,
    'default',
    `${unknownHint}default region ${fallback} (${address} in no zone)`,
  );
}

/** The address of a peer written "address:port" (an IPv6 address without brackets). */
export function peerAddress(peer: string): string {
  const colon = peer.lastIndexOf(':');
  return colon < 0 ? peer : peer.slice(0, colon);
}
