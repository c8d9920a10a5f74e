import { startNodePeer } from './node-peer.js';
import type { RunningPeer } from './peers.js';

/**
 * A bare Node `net.Server` in its own process that writes `answer` for every chunk a
 * connection sends: what Node itself accepts and answers on this machine, B1's peer for
 * new-connection routes (same client, same connection pattern).
 */
export function startAcceptLoopPeer(answer: Buffer): Promise<RunningPeer> {
  return startNodePeer(
    'peer-accept-loop-child',
    [answer.toString('base64')],
    'the bare net.Server peer',
  );
}
