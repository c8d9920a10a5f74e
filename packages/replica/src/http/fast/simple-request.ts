/**
 * Reads an HTTP/1.1 request head only as far as the fast path needs: a plain `GET /path` whose
 * answer can only be the whole object. Anything else — another method or version, a body, a
 * Range or a condition, Connection other than keep-alive, a missing or second Host, a byte
 * Node's parser might judge differently, a head over the limits — is `general`: Node's own
 * parser reads it, so every unusual request keeps exactly the behaviour it had. A `Via` (a
 * child cache's request, or a client behind a proxy) stays simple: its value comes along for
 * the loop check (`via`, the Via lines joined by ", "; null without one).
 */
export type SimpleRequest =
  | { kind: 'simple'; target: string; end: number; via: string | null }
  | { kind: 'general' }
  | { kind: 'incomplete' };

export interface HeadLimits {
  maxHeaderBytes: number;
  maxHeaders: number;
}

const GENERAL = { kind: 'general' } as const;
const INCOMPLETE = { kind: 'incomplete' } as const;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const GET = Buffer.from('GET /', 'latin1');
const VERSION = Buffer.from(' HTTP/1.1', 'latin1');
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;
const TAB = 0x09;
const DEL = 0x7f;

/** Header names (lowercase) that decide the answer or frame a body: Node's path reads them. */
const GENERAL_HEADERS = new Set([
  'range',
  'if-range',
  'if-none-match',
  'if-match',
  'if-modified-since',
  'if-unmodified-since',
  'content-length',
  'transfer-encoding',
  'expect',
  'upgrade',
]);

/** The header lines are not the fast path's (see GENERAL_HEADERS). */
const NOT_SIMPLE = Symbol('not simple');

/** The request head starting at `start` in `bytes`. */
export function readSimpleRequest(bytes: Buffer, start: number, limits: HeadLimits): SimpleRequest {
  const headEnd = bytes.indexOf(HEAD_END, start);
  if (headEnd < 0) return bytes.length - start > limits.maxHeaderBytes ? GENERAL : INCOMPLETE;
  const end = headEnd + HEAD_END.length;
  if (end - start > limits.maxHeaderBytes) return GENERAL;
  if (bytes.compare(GET, 0, GET.length, start, start + GET.length) !== 0) return GENERAL;
  const lineEnd = bytes.indexOf(CR, start);
  const targetEnd = lineEnd - VERSION.length;
  if (targetEnd <= start + 4) return GENERAL;
  if (bytes.compare(VERSION, 0, VERSION.length, targetEnd, lineEnd) !== 0) return GENERAL;
  for (let at = start + 4; at < targetEnd; at += 1) {
    const byte = bytes[at] as number;
    if (byte <= SPACE || byte >= DEL) return GENERAL;
  }
  const via = simpleHeaders(bytes, lineEnd + 2, headEnd, limits.maxHeaders);
  if (via === NOT_SIMPLE) return GENERAL;
  return { kind: 'simple', target: bytes.toString('latin1', start + 4, targetEnd), end, via };
}

/**
 * The header lines from `from` up to `to` (the CR of the last line's CRLF excluded): their Via
 * value (null without one), or NOT_SIMPLE.
 */
function simpleHeaders(
  bytes: Buffer,
  from: number,
  to: number,
  maxHeaders: number,
): string | null | typeof NOT_SIMPLE {
  let hosts = 0;
  let count = 0;
  let via: string | null = null;
  let line = from;
  while (line < to) {
    const lineEnd = bytes.indexOf(CR, line);
    if (lineEnd < 0 || lineEnd > to || bytes[lineEnd + 1] !== LF) return NOT_SIMPLE;
    count += 1;
    if (count > maxHeaders) return NOT_SIMPLE;
    const colon = bytes.indexOf(COLON, line);
    if (colon <= line || colon > lineEnd) return NOT_SIMPLE;
    for (let at = line; at < colon; at += 1) {
      if (!isTokenByte(bytes[at] as number)) return NOT_SIMPLE;
    }
    for (let at = colon + 1; at < lineEnd; at += 1) {
      const byte = bytes[at] as number;
      if ((byte < SPACE && byte !== TAB) || byte === DEL) return NOT_SIMPLE;
    }
    const name = bytes.toString('latin1', line, colon).toLowerCase();
    if (name === 'host') hosts += 1;
    else if (name === 'via') {
      const value = bytes.toString('latin1', colon + 1, lineEnd).trim();
      via = via === null ? value : `${via}, ${value}`;
    } else if (GENERAL_HEADERS.has(name)) return NOT_SIMPLE;
    else if (name === 'connection' && !isKeepAlive(bytes.toString('latin1', colon + 1, lineEnd))) {
      return NOT_SIMPLE;
    }
    line = lineEnd + 2;
  }
  return hosts === 1 ? via : NOT_SIMPLE;
}

function isKeepAlive(value: string): boolean {
  return value.trim().toLowerCase() === 'keep-alive';
}

/** RFC 9110 tchar: what a field name may hold. */
function isTokenByte(byte: number): boolean {
  if (byte >= 0x61 && byte <= 0x7a) return true; // a-z
  if (byte >= 0x41 && byte <= 0x5a) return true; // A-Z
  if (byte >= 0x30 && byte <= 0x39) return true; // 0-9
  return byte === 0x2d || TOKEN_PUNCTUATION.includes(byte);
}

const TOKEN_PUNCTUATION = Buffer.from("!#$%&'*+.^_`|~", 'latin1');
