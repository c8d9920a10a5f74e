import { UserError, loopbackReplicaAddress, regionNamed, type Topology } from '@cdn-lab/common';
import { LAB_DEFAULTS, MAX_SHIELDS, replicaAdminPort } from './lab-options.js';
import { shieldHost } from './replica-plan.js';

/** replica-eu-2 of `cdn-lab up --topology`: 127.R.0.2 of the region's loopback range. */
function regionReplicaHost(region: string, n: number, topology: Topology): string {
  const spec = regionNamed(topology, region);
  if (!spec) {
    const names = topology.regions.map((known) => known.name).join(', ');
    throw new UserError(
      `replica-${region}-${n}: no region ${region} in ${topology.source} (${names})`,
    );
  }
  return loopbackReplicaAddress(spec, n);
}

/**
 * The admin URL of a lab replica named "replica-3", "3" or "127.0.1.3", "replica-eu-2" of a
 * lab with a topology (read only then), or "shield-2" (in the topology's origin region when
 * `shieldsInTopology`), the way `cdn-lab up` places it (its own address, the balancer's admin
 * port + 1).
 */
export function replicaAdminUrl(
  replica: string,
  network: string = LAB_DEFAULTS.replicaNetwork,
  port: number = replicaAdminPort(LAB_DEFAULTS.adminPort),
  topology?: () => Topology,
  shieldsInTopology = false,
): string {
  const number = /^(?:replica-)?(\d{1,3})$/.exec(replica)?.[1];
  const inRegion = /^replica-([a-z][a-z0-9-]*)-(\d{1,3})$/.exec(replica);
  const shield = /^shield-(\d{1,2})$/.exec(replica)?.[1];
  let host: string;
  if (number !== undefined) {
    host = `${network}.${Number(number)}`;
  } else if (shield !== undefined) {
    const n = Number(shield);
    if (n < 1 || n > MAX_SHIELDS) {
      throw new UserError(`"${replica}": shield numbers go from 1 to ${MAX_SHIELDS}`);
    }
    const world = shieldsInTopology && topology ? topology() : null;
    host = shieldHost(n, LAB_DEFAULTS.shieldNetwork, world);
  } else if (inRegion?.[1] && inRegion[2] && topology) {
    host = regionReplicaHost(inRegion[1], Number(inRegion[2]), topology());
  } else if (/^\d{1,3}(\.\d{1,3}){3}$/.test(replica)) {
    host = replica;
  } else {
    throw new UserError(
      `"${replica}" names no replica: use replica-3, 3, 127.0.1.3, replica-eu-1, shield-1 (or --admin-url URL)`,
    );
  }
  const last = Number(host.split('.').at(-1));
  if (!Number.isInteger(last) || last < 1 || last > 254) {
    throw new UserError(`"${replica}": replica numbers go from 1 to 254`);
  }
  return `http://${host}:${port}/`;
}
