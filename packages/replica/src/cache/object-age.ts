import type { ObjectBody } from './object-body.js';

/**
 * The Age header's value for a copy: whole seconds since its bytes were fetched from or
 * confirmed by the origin, counting the time they spent in caches upstream (RFC 9111 §5.1).
 */
export function ageSeconds(body: ObjectBody, now: number): number {
  return Math.max(0, Math.floor((now - body.fetchedAt) / 1000));
}

/** What an upstream said of its copy's age: its Age header, and its own X-Cache status. */
export interface UpstreamAge {
  ageSeconds: number | null;
  upstreamCache: string | null;
}

/**
 * When an upstream's copy (answered at `now`) left the origin: `now` less the Age it sent (none:
 * the origin's own answer), and half a second more, since Age is cut to whole seconds — taken
 * as it stands, each tier would add up to a second of freshness. A parent's stale copy (served
 * while its origin fails) is stale here too whatever the two TTLs, so it is asked again next time.
 */
export function fetchedAtFrom(upstream: UpstreamAge, now: number, ttlMs: number): number {
  const { ageSeconds, upstreamCache } = upstream;
  const fetchedAt = ageSeconds === null ? now : now - ageSeconds * 1000 - 500;
  return upstreamCache === 'stale' ? Math.min(fetchedAt, now - ttlMs) : fetchedAt;
}

/** An Age header's seconds; null when absent or not a delta-seconds value (then it is ignored). */
export function parseAge(header: string | string[] | undefined): number | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || !/^\d+$/.test(text.trim())) return null;
  // RFC 9111 §1.2.2: a value too large to hold is taken as the greatest one held.
  return Math.min(Number(text.trim()), 2 ** 31);
}
