import { ipv4At } from './cidr.js';
import type { RegionSpec } from './topology.js';

/** The local lab's replica number `n` (1-based) of a region: 127.R.0.n. */
export function loopbackReplicaAddress(region: RegionSpec, n: number): string {
  return ipv4At(region.loopback, n);
}

/** The first of a region's loopback client addresses, 127.R.200.1; `n` counts on from there. */
export function loopbackClientAddress(region: RegionSpec, n = 1): string {
  return ipv4At(region.loopback, 200 * 256 + n);
}

/** How many client addresses a region has from 127.R.200.1 on (up to 127.R.255.254). */
export const LOOPBACK_CLIENT_ADDRESSES = 56 * 256 - 2;
