import { MAGIC } from './constants.js';
import { LEGACY_HEADER_LENGTH, hasLegacyFlags } from './legacy.js';

export type Dialect = 'native' | 'http' | 'legacy' | 'unknown';

/** Result of looking at a connection's first bytes: a dialect, or "send me more". */
export type SniffResult = Dialect | 'incomplete';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE'].map(
  (method) => Buffer.from(`${method} `, 'ascii'),
);

function startsWith(start: Buffer, prefix: Buffer): boolean {
  return start.length >= prefix.length && start.subarray(0, prefix.length).equals(prefix);
}

/**
 * Chooses the dialect from a connection's first bytes. Native and HTTP announce themselves;
 * a legacy client's first packet is 12 header bytes whose big-endian flags word uses only the
 * low three bits. Silence (the legacy balancer conversation) is the caller's to time out.
 * Fewer than 12 bytes that are neither the magic nor a method stay 'incomplete'.
 */
export function sniffDialect(start: Buffer): SniffResult {
  if (startsWith(start, MAGIC)) return 'native';
  if (HTTP_METHODS.some((method) => startsWith(start, method))) return 'http';
  if (start.length < LEGACY_HEADER_LENGTH) return 'incomplete';
  return hasLegacyFlags(start) ? 'legacy' : 'unknown';
}
