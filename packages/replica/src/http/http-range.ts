/** What to send of an object of a known size, from a Range header (RFC 9110, single range). */
export type RangeChoice =
  { kind: 'whole' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const WHOLE: RangeChoice = { kind: 'whole' };

/** Digits as a number; digits too many to count exactly stand for "more than any object". */
function wholeNumber(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
}

/**
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` select one range (`end` inclusive, clamped to the
 * object, however large the number: RFC 9110 14.1.2 asks for the satisfiable part, a 206). A header this server does not handle (another unit, several ranges, bad syntax) is
 * ignored and the whole object is sent, as RFC 9110 allows; a well-formed range that starts
 * past the end, or a zero-length suffix, is unsatisfiable (416).
 */
export function chooseRange(header: string | undefined, size: number): RangeChoice {
  if (header === undefined) return WHOLE;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return WHOLE;
  const [, first = '', last = ''] = match;
  if (first === '') {
    const suffix = wholeNumber(last);
    if (suffix === null) return WHOLE;
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = wholeNumber(first);
  if (start === null) return WHOLE;
  const end = last === '' ? Number.POSITIVE_INFINITY : wholeNumber(last);
  if (end === null || end < start) return WHOLE;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** If-None-Match: `*` or any listed tag equal to the object's (weak comparison). */
export function noneMatchHits(header: string | undefined, etag: string | null): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  if (etag === null) return false;
  const mine = opaque(etag);
  return header.split(',').some((tag) => opaque(tag) === mine);
}

/** If-Range: the range applies only when the tag is the object's current strong ETag. */
export function ifRangeHolds(header: string | undefined, etag: string | null): boolean {
  if (header === undefined) return true;
  if (etag === null || etag.startsWith('W/')) return false;
  return header.trim() === etag;
}
