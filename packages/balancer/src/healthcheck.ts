import { askNative, selfAddress } from '@cdn-lab/common';

/** Healthy when the balancer on host:port answers a route request with a replica. */
export async function checkBalancer(host: string, port: number): Promise<string> {
  const answer = await askNative(selfAddress(host), port, { type: 'route', path: null });
  if (answer.type === 'route-ok') return `routes to ${answer.best.id}`;
  if (answer.type === 'error') throw new Error(`${answer.code}: ${answer.message}`);
  throw new Error(`answered a route request with "${answer.type}"`);
}
