import { RequestError } from './request-error.js';

/** The entries of a Via header (`1.1 127.0.1.1:9000, 1.1 shield-1`), in order; [] without one. */
export function parseVia(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** The `received-by` of a Via entry (`1.1 host:port (comment)` → `host:port`). */
export function receivedBy(entry: string): string {
  return entry.split(/\s+/)[1] ?? entry;
}

/** Where a request says it has been: HTTP's Via entries, or a native get's hop count. */
export interface HopsSoFar {
  via: readonly string[];
  /** A native get's `hops` (absent: the Via entries count). */
  hops?: number;
}

/**
 * A request that has passed through this replica already (its id in Via), or through one of
 * its own parents (a child that is also a parent is always a cycle), or through `maxHops`
 * caches or more is refused with `loop_detected`, before it can join a fetch in flight:
 * A → B → A would otherwise wait on its own collapsed fetch, and two such misses at once (one
 * on A, one on B) on each other's, until the parent timeout.
 */
export function loopRefusal(
  so: HopsSoFar,
  selfId: string,
  maxHops: number,
  isParent: (id: string) => boolean = () => false,
): RequestError | null {
  const { via } = so;
  const chain = via.length > 0 ? ` (Via: ${via.join(', ')})` : '';
  const senders = via.map(receivedBy);
  if (senders.includes(selfId)) {
    return new RequestError(
      'loop_detected',
      `loop detected: this request has passed through ${selfId} already${chain}; ` +
        'the parents files make a cycle',
    );
  }
  const parent = senders.find(isParent);
  if (parent !== undefined) {
    return new RequestError(
      'loop_detected',
      `loop detected: ${parent} is both a parent of this replica and asking it${chain}; ` +
        'the parents files make a cycle',
    );
  }
  const hops = Math.max(via.length, so.hops ?? 0);
  if (hops >= maxHops) {
    return new RequestError(
      'loop_detected',
      `loop detected: this request has passed through ${hops} caches${chain}, ` +
        `the most this replica allows is ${maxHops - 1} (--max-hops ${maxHops})`,
    );
  }
  return null;
}
