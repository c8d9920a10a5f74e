import { UserError } from '@cdn-lab/common';
import { LAB_DEFAULTS, replicaAdminPort } from './lab-options.js';

/**
 * The admin URL of a lab replica named "replica-3", "3" or "127.0.1.3", the way `cdn-lab up`
 * places it (its own address, the balancer's admin port + 1).
 */
export function replicaAdminUrl(
  replica: string,
  network: string = LAB_DEFAULTS.replicaNetwork,
  port: number = replicaAdminPort(LAB_DEFAULTS.adminPort),
): string {
  const number = /^(?:replica-)?(\d{1,3})$/.exec(replica)?.[1];
  let host: string;
  if (number !== undefined) {
    host = `${network}.${Number(number)}`;
  } else if (/^\d{1,3}(\.\d{1,3}){3}$/.test(replica)) {
    host = replica;
  } else {
    throw new UserError(
      `"${replica}" names no replica: use replica-3, 3 or 127.0.1.3 (or --admin-url URL)`,
    );
  }
  const last = Number(host.split('.').at(-1));
  if (!Number.isInteger(last) || last < 1 || last > 254) {
    throw new UserError(`"${replica}": replica numbers go from 1 to 254`);
  }
  return `http://${host}:${port}/`;
}
