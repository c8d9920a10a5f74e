import { askNative } from '@cdn-lab/common';
import { requestRoute, type BalancerAddress } from '@cdn-lab/client';
import type { LoadReport } from '@cdn-lab/protocol';
import { docker } from './docker.js';

export interface BalancerEvent {
  event: string;
  time: number;
  replica?: string;
  to?: string;
  reason?: string;
}

/** The balancer's JSON-lines event log, read from its log volume. */
export async function balancerEvents(container: string): Promise<BalancerEvent[]> {
  const text = await docker('exec', container, 'cat', '/var/log/cdn-lab/balancer.log');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as BalancerEvent);
}

/** The first event at or after `since` that matches. */
export async function eventSince(
  container: string,
  since: number,
  matches: (event: BalancerEvent) => boolean,
): Promise<BalancerEvent | undefined> {
  return (await balancerEvents(container)).find((event) => event.time >= since && matches(event));
}

/** Every replica endpoint (best or alternate) named by `count` route answers. */
export async function routedEndpoints(balancer: BalancerAddress, count = 20): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i += 1) {
    const route = await requestRoute(balancer, null, { timeoutMs: 5_000 });
    seen.add(route.best.id);
    for (const alternate of route.alternates) seen.add(alternate.id);
  }
  return seen;
}

/** Asks a replica itself (ping) for its load report. */
export async function replicaLoad(ip: string, port: number): Promise<LoadReport> {
  const answer = await askNative(ip, port, { type: 'ping', seq: 1 });
  if (answer.type !== 'pong') throw new Error(`replica ${ip} answered a ping with ${answer.type}`);
  return answer.load;
}
