import { DEFAULT_TOPOLOGY_FILE, loadTopology, parseTopology, type Topology } from '@cdn-lab/common';
import { RegionMap } from '../src/index.js';

/** The shipped world: eu (127.1/16), us (127.2/16), ap (127.3/16); eu–us 40 ms, us–ap 60 ms. */
export function threeRegions(): Topology {
  return loadTopology(DEFAULT_TOPOLOGY_FILE);
}

/** A small world with an IPv6 range nested in another, and a narrower IPv4 range. */
export const NESTED_WORLD = `
origin: eu
defaultRegion: us
regions:
  - { name: eu, clients: ["fd00:e0::/32", 10.0.0.0/8] }
  - { name: us, clients: ["fd00:e0:5::/48", 10.5.0.0/16] }
links:
  - { between: [eu, us], delay: 40ms }
`;

export function regionMap(topology: Topology = threeRegions(), defaultRegion?: string): RegionMap {
  return new RegionMap(topology, defaultRegion ?? topology.defaultRegion);
}

export function nestedMap(): RegionMap {
  return regionMap(parseTopology(NESTED_WORLD, 'nested.yml'));
}
