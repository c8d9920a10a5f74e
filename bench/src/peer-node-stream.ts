import { startNodePeer } from './node-peer.js';
import type { RunningPeer } from './peers.js';

/**
 * The runtime's ceiling for bulk downloads on this machine: a child process with a plain `net`
 * server writing `file`'s bytes from memory to each request (HTTP/1.1, Content-Length), so the
 * benchmark client reads it exactly as it reads nginx.
 */
export function startNodeStreamPeer(file: string): Promise<RunningPeer> {
  return startNodePeer('peer-node-stream-child', [file], 'the bare-Node peer');
}
