import { isIP } from 'node:net';

/** `host:port`, with IPv6 hosts in brackets, as replicas are named everywhere. */
export function endpointId(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
