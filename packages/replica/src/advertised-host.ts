import { networkInterfaces } from 'node:os';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * The address a replica names itself by (in `servedBy`, X-Served-By, its id). Bound to a
 * wildcard, "0.0.0.0" would name every replica alike; the machine's first external address is
 * what clients and the balancer reach it at (in a container, its only one).
 */
export function advertisedHost(bindHost: string): string {
  if (!WILDCARDS.has(bindHost)) return bindHost;
  const wantV6 = bindHost === '::';
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  const external = addresses.filter((address) => !address.internal);
  const preferred =
    external.find((address) => (address.family === 'IPv6') === wantV6) ?? external[0];
  return preferred?.address ?? bindHost;
}
