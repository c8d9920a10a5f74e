import type { ConnectionLimits } from '../config/connection-limits.js';
import type { ConnectionLimitScope } from './refuse-connection.js';

/** The limit a new connection is over, and so the words of its refusal. */
export interface OverLimit {
  limit: number;
  scope: ConnectionLimitScope;
}

/** One key per client address: an IPv4-mapped IPv6 address counts as the IPv4 one. */
export function sourceKey(remoteAddress: string | undefined): string {
  const address = remoteAddress ?? '?';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/**
 * The connections that hold a slot, in all and per source address. A connection over a limit
 * never takes one: it is refused, and while its refusal is being said it must not shut out
 * anyone else (an address opening connections fast would otherwise fill the server with
 * refusals).
 */
export class ConnectionCounts {
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  /** Takes a slot for a connection from `source`, or says which limit it is over (no slot). */
  admit(source: string): OverLimit | null {
    const fromSource = (this.bySource.get(source) ?? 0) + 1;
    if (this.total + 1 > this.limits.maxConnections) {
      return { limit: this.limits.maxConnections, scope: 'server' };
    }
    if (fromSource > this.limits.maxConnectionsPerSource) {
      return { limit: this.limits.maxConnectionsPerSource, scope: 'source' };
    }
    this.total += 1;
    this.bySource.set(source, fromSource);
    return null;
  }

  /** Gives back the slot of an admitted connection that closed. */
  release(source: string): void {
    this.total -= 1;
    const left = (this.bySource.get(source) ?? 1) - 1;
    if (left > 0) this.bySource.set(source, left);
    else this.bySource.delete(source);
  }
}
