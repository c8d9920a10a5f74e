import type { OutgoingHttpHeaders } from 'node:http';
import { REPR_DIGEST_HEADER, formatReprDigest } from '@cdn-lab/common';
import type { CacheStatus } from '@cdn-lab/protocol';
import type { ObjectBody } from '../cache/object-body.js';

/**
 * The headers every answer about an object starts with, in the order they go out: who served
 * it, how (X-Cache), that ranges work, and its validators and digest when known. The general
 * path and the fast path both build their heads from this, so they cannot drift apart.
 */
export function objectHeaders(
  body: ObjectBody,
  cache: CacheStatus,
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
