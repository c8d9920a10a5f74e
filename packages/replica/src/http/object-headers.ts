import type { OutgoingHttpHeaders } from 'node:http';
import { REPR_DIGEST_HEADER, formatReprDigest } from '@cdn-lab/common';
import type { ObjectBody } from '../cache/object-body.js';
import type { Lease } from '../cache/object-store.js';

/**
 * The X-Cache value: the bare cache status, and for a miss or revalidation of a replica with
 * parents, where it came from: `miss; parent=<id> (<the parent's own status>)`, or
 * `miss; origin (no parent answered)`.
 */
export function xCacheOf({ status, source }: Pick<Lease, 'status' | 'source'>): string {
  if (source === null || source.kind === 'origin') return status;
  if (source.kind === 'origin-fallback') return `${status}; origin (no parent answered)`;
  return `${status}; parent=${source.id} (${source.cache ?? 'no X-Cache'})`;
}

/**
 * The headers every answer about an object starts with, in the order they go out: who served
 * it, how (X-Cache), that ranges work, and its validators and digest when known. The general
 * path and the fast path both build their heads from this, so they cannot drift apart.
 */
export function objectHeaders(
  body: ObjectBody,
  /** The X-Cache value (xCacheOf, or the bare status). */
  cache: string,
  servedBy: string,
): OutgoingHttpHeaders {
  const { etag, lastModified, originSha256 } = body.meta;
  const digest = originSha256 ?? (body.isComplete ? body.sha256 : null);
  return {
    'X-Served-By': servedBy,
    'X-Cache': cache,
    'Accept-Ranges': 'bytes',
    ...(etag ? { ETag: etag } : {}),
    ...(lastModified ? { 'Last-Modified': lastModified } : {}),
    ...(digest ? { [REPR_DIGEST_HEADER]: formatReprDigest(digest) } : {}),
  };
}
