export type RequestTarget = { ok: true; segments: string[] } | { ok: false; reason: string };

/**
 * Turns the raw request target into path segments that are safe to join under the root.
 * Only origin-form ("/a/b") is accepted. Anything that could name a file outside the root
 * (a ".." segment, also when percent-encoded, backslashes, NUL) is refused rather than
 * normalised away, so a client never gets a file it did not plainly ask for.
 */
export function parseRequestTarget(rawTarget: string): RequestTarget {
  if (!rawTarget.startsWith('/')) {
    return { ok: false, reason: 'the request target must be a path starting with "/"' };
  }
  const pathPart = rawTarget.split(/[?#]/, 1)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    return { ok: false, reason: 'the path has a malformed percent-encoding' };
  }
  if (decoded.includes('\0')) return { ok: false, reason: 'the path contains a NUL byte' };
  if (decoded.includes('\\')) return { ok: false, reason: 'the path contains a backslash' };
  const segments = decoded.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) return { ok: false, reason: 'the path contains ".."' };
  return { ok: true, segments };
}
