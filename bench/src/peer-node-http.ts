import { startNodePeer } from './node-peer.js';
import type { RunningPeer } from './peers.js';

/** The bare-Node HTTP peer of B3 and B3b (peer-node-http-child.ts) answering `size`-byte bodies. */
export function startNodeHttpPeer(size: number): Promise<RunningPeer> {
  return startNodePeer('peer-node-http-child', [String(size)], 'the bare-Node HTTP peer');
}
