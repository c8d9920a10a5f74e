import type { ObjectBody } from './object-body.js';
import type { ObjectTarget } from './object-path.js';

/**
 * What one cached object costs besides its bytes and strings: the cache entry, the body and
 * its meta, the LRU's map slot, the first chunk's Buffer, ArrayBuffer and allocation record.
 * Measured for 398-byte objects (docs/reliability.md, "Hardening round 2: memory"): about
 * 1.1 KiB of it is live after a full GC, and V8 keeps about 3 KiB of heap resident per entry
 * once the heap is mostly small entries; resident memory is what the cap is for.
 */
export const ENTRY_OVERHEAD_BYTES = 4_096;
/** Each chunk after the first: its Buffer, ArrayBuffer and allocation record. */
export const CHUNK_OVERHEAD_BYTES = 256;
/** A chunk is copied when its allocation is larger than this fraction of it is used. */
const OWN_COPY_BELOW_USE = 0.75;

/** The entry's strings: one byte a character (paths are ASCII once normalised, headers Latin-1). */
function stringBytes(target: ObjectTarget, body: ObjectBody): number {
  const { etag, lastModified, contentType } = body.meta;
  return (
    target.path.length +
    target.url.length +
    (etag?.length ?? 0) +
    (lastModified?.length ?? 0) +
    (contentType?.length ?? 0) +
    (body.sha256?.length ?? 0)
  );
}

/** What a complete body counts against --cache-bytes: its bytes, strings and bookkeeping. */
export function entryCostBytes(target: ObjectTarget, body: ObjectBody): number {
  const extraChunks = Math.max(0, body.chunks.length - 1);
  return (
    body.received +
    stringBytes(target, body) +
    ENTRY_OVERHEAD_BYTES +
    extraChunks * CHUNK_OVERHEAD_BYTES
  );
}

/** The least a body of `size` bytes can count (before its strings and chunks are known). */
export function leastCostBytes(size: number): number {
  return size + ENTRY_OVERHEAD_BYTES;
}

/**
 * Replaces chunks that are views into a larger allocation (a socket read holding the headers,
 * or another response) with exact copies, so a cached chunk keeps only its own bytes alive.
 * Each chunk is replaced by equal bytes at the same index, so readers walking the list by
 * index are not disturbed.
 */
export function ownChunks(chunks: Buffer[]): void {
  chunks.forEach((chunk, index) => {
    if (chunk.length >= chunk.buffer.byteLength * OWN_COPY_BELOW_USE) return;
    const copy = Buffer.allocUnsafeSlow(chunk.length);
    chunk.copy(copy);
    chunks[index] = copy;
  });
}
