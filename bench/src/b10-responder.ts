import { startNodePeer } from './node-peer.js';
import type { RunningPeer } from './peers.js';

/**
 * Starts B10's responder: one process answering the balancer's probes for `count` replica
 * addresses (b10-addresses.ts), all on the returned port. Bench-only: it is no replica.
 */
export function startResponder(count: number): Promise<RunningPeer> {
  return startNodePeer('b10-responder-child', [String(count)], 'the B10 responder');
}
