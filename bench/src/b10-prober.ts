import { startNodePeer } from './node-peer.js';
import type { RunningPeer } from './peers.js';

/** Starts B10's bare-Node prober of `count` responder addresses (see b10-prober-child.ts). */
export function startBareProber(
  count: number,
  port: number,
  intervalMs: number,
): Promise<RunningPeer> {
  return startNodePeer(
    'b10-prober-child',
    [String(count), String(port), String(intervalMs)],
    'the bare-Node prober',
  );
}
