import type { TestContext } from 'node:test';
import { startBalancer, type BalancerHandle, type BalancerOptions } from '../src/index.js';
import type { ReplicaState, ReplicaStateEvent } from '../src/index.js';
import { FakeReplica } from './fake-replica.js';
import { tempServersFile, waitForState, type TempServersFile } from './helpers.js';

/** Resolves when the shield reaches `state` (at once if it is there already). */
export function waitForShield(
  balancer: BalancerHandle,
  id: string,
  state: ReplicaState,
): Promise<void> {
  if (balancer.shields().find((view) => view.id === id)?.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const onChange = (change: ReplicaStateEvent): void => {
      if (change.id !== id || change.to !== state) return;
      balancer.events.off('shield-state', onChange);
      resolve();
    };
    balancer.events.on('shield-state', onChange);
  });
}

export interface ShieldCluster {
  balancer: BalancerHandle;
  /** The admin base URL, ending in "/". */
  url: string;
  serversFile: TempServersFile;
  shieldsFile: TempServersFile;
}

/** Fake edges in the servers file, fake shields in the shields file, every one up. */
export async function shieldCluster(
  t: TestContext,
  edges: FakeReplica[],
  shields: FakeReplica[],
  options: BalancerOptions = {},
): Promise<ShieldCluster> {
  t.after(() => Promise.all([...edges, ...shields].map((replica) => replica.stop())));
  const serversFile = await tempServersFile(edges.map((replica) => replica.id));
  const shieldsFile = await tempServersFile(shields.map((replica) => replica.id));
  t.after(() => Promise.all([serversFile.remove(), shieldsFile.remove()]));
  const balancer = await startBalancer({
    port: 0,
    serversFile: serversFile.file,
    shieldsFile: shieldsFile.file,
    probeIntervalMs: 20,
    reloadIntervalMs: 50,
    admin: { port: 0 },
    ...options,
  });
  t.after(() => balancer.close());
  await Promise.all([
    ...edges.map((replica) => waitForState(balancer, replica.id, 'up')),
    ...shields.map((replica) => waitForShield(balancer, replica.id, 'up')),
  ]);
  return { balancer, url: balancer.admin?.url ?? '', serversFile, shieldsFile };
}

/** A fake replica reporting a tier and its cache counters. */
export async function tieredFake(
  tier: string | null,
  counters: FakeReplica['counters'],
  host = '127.0.0.1',
): Promise<FakeReplica> {
  const replica = await FakeReplica.start(host);
  replica.tier = tier;
  replica.counters = counters;
  return replica;
}
