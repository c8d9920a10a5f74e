/**
 * The `Repr-Digest` header (RFC 9530): a structured-field dictionary of algorithm names and
 * byte sequences, e.g. `sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:`. Only sha-256
 * is used; the hex form is what the native protocol and the logs carry.
 */
export const REPR_DIGEST_HEADER = 'Repr-Digest';

const SHA256_BYTES = 32;
const MEMBER = /^\s*([a-z][a-z0-9_.*-]*)\s*=\s*:([A-Za-z0-9+/]*={0,2}):\s*(?:;.*)?$/;

/** `sha-256=:…:` for a lowercase hex sha256. */
export function formatReprDigest(sha256Hex: string): string {
  return `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
}

/** The sha256 (lowercase hex) a Repr-Digest header carries, or null when it has none. */
export function parseReprDigest(header: string | string[] | undefined): string | null {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text === undefined) return null;
  for (const member of text.split(',')) {
    const match = MEMBER.exec(member);
    if (!match || match[1] !== 'sha-256') continue;
    const bytes = Buffer.from(match[2] ?? '', 'base64');
    if (bytes.length === SHA256_BYTES) return bytes.toString('hex');
  }
  return null;
}
