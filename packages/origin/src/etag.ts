import type { Stats } from 'node:fs';

/** A strong validator from size and modification time: cheap, no hashing per request. */
export function etagFor(stats: Stats): string {
  return `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/** If-None-Match uses the weak comparison: W/ prefixes are ignored, "*" matches anything. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
