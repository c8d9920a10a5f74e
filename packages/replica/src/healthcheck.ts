import { askNative, selfAddress } from '@cdn-lab/common';

/** Healthy when the replica on host:port answers a ping and is not draining. */
export async function checkReplica(host: string, port: number): Promise<string> {
  const answer = await askNative(selfAddress(host), port, { type: 'ping', seq: 0 });
  if (answer.type !== 'pong') throw new Error(`answered a ping with "${answer.type}"`);
  if (answer.load.draining) throw new Error('draining');
  return `${answer.load.activeTransfers} transfers, ${answer.load.cachedObjects} objects cached`;
}
