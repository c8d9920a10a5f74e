/**
 * A strong validator from the content: two versions of a file get different ETags even when
 * they have the same size and modification time (size + mtime could not tell them apart).
 */
export function etagFor(sha256Hex: string): string {
  return `"${sha256Hex.slice(0, 32)}"`;
}

/** If-None-Match uses the weak comparison: W/ prefixes are ignored, "*" matches anything. */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
