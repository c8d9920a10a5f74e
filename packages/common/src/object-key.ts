import { UserError } from './config/user-error.js';

/**
 * What a query string contributes to an object's identity, on every replica (its cache key and
 * what it asks the origin) and on the balancer (what it hashes): all of it, none of it, or only
 * the named parameters.
 */
export type QueryPolicy =
  { kind: 'keep' } | { kind: 'ignore' } | { kind: 'allow'; names: readonly string[] };

/**
 * `keep`: an origin may answer `?v=2` or `?width=200` with other bytes than the bare path, and
 * serving one for the other is the wrong-bytes failure this project exists to prevent. An
 * operator whose origin ignores queries turns cache-busting off with `ignore` or `allow=…`.
 */
export const DEFAULT_QUERY_POLICY = 'keep';

const QUERY_POLICY_FORMS = 'keep, ignore or allow=NAME[,NAME…]';

/** `keep`, `ignore` or `allow=a,b` (as the --query flag and CDN_QUERY spell it). */
export function parseQueryPolicy(text: string): QueryPolicy {
  const spec = text.trim();
  if (spec === 'keep' || spec === 'ignore') return { kind: spec };
  const listed = /^allow=(.*)$/.exec(spec)?.[1];
  const names = listed?.split(',').map((name) => canonicalEscapes(name.trim()));
  if (!names || names.some((name) => name === '' || /[&=]/.test(name))) {
    throw new UserError(`--query must be ${QUERY_POLICY_FORMS}, not "${text}"`);
  }
  return { kind: 'allow', names };
}

/** The policy in the words parseQueryPolicy reads. */
export function formatQueryPolicy(policy: QueryPolicy): string {
  return policy.kind === 'allow' ? `allow=${policy.names.join(',')}` : policy.kind;
}

const PERCENT = /%([0-9A-Fa-f]{2})?/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Percent-escapes in one spelling (RFC 3986 §6.2.2): an escaped unreserved character is the
 * character itself (§2.3), every other escape in uppercase hex, and a `%` that starts no
 * escape is one (`%25`): left bare, decoding the escape after it could make a new one
 * (`%%41` would become `%A`, then `%A…` another object). Anything else is left alone.
 */
function canonicalEscapes(text: string): string {
  return text.replace(PERCENT, (_escape, hex: string | undefined) => {
    if (hex === undefined) return '%25';
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}

/** `//` and `.` segments collapsed, a trailing slash kept; `..` is left for the caller to judge. */
function collapseSegments(pathname: string): string {
  const segments = pathname.split('/').filter((segment) => segment !== '' && segment !== '.');
  const trailingSlash = segments.length > 0 && pathname.endsWith('/');
  return `/${segments.join('/')}${trailingSlash ? '/' : ''}`;
}

function parameterName(parameter: string): string {
  const equals = parameter.indexOf('=');
  return equals < 0 ? parameter : parameter.slice(0, equals);
}

/** The query as the policy keeps it, escapes already canonical; '' for none. */
function keptQuery(query: string, policy: QueryPolicy): string {
  if (policy.kind === 'ignore') return '';
  if (policy.kind === 'keep') return query;
  const names = new Set(policy.names);
  return query
    .split('&')
    .filter((parameter) => names.has(parameterName(parameter)))
    .join('&');
}

/**
 * The one spelling of an object's path, used by every replica as its cache key (and for what
 * it asks the origin) and by the balancer for what it hashes, so `/1k.bin`, `/%31k.bin`,
 * `/1%6B.bin` and `/1k.bin?` are one object, one origin fetch, one replica: percent-escapes
 * canonical, `//` and `.` segments collapsed, `#` escaped (it cannot be part of a path that
 * reached us), the query kept as the policy says and an empty one dropped. Never throws.
 */
export function canonicalObjectPath(path: string, policy: QueryPolicy): string {
  const escaped = canonicalEscapes(path.replaceAll('#', '%23'));
  const queryAt = escaped.indexOf('?');
  const pathname = collapseSegments(queryAt < 0 ? escaped : escaped.slice(0, queryAt));
  const query = queryAt < 0 ? '' : keptQuery(escaped.slice(queryAt + 1), policy);
  return query === '' ? pathname : `${pathname}?${query}`;
}

const ANY_HOST = 'http://object.key';

/** A path that is already its own key: unreserved characters only, no empty or dot segments. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9\-_~][A-Za-z0-9\-._~]*)*\/?$/;

/**
 * canonicalObjectPath as a URL carries it (characters a URL cannot hold raw, like a space or
 * `é`, percent-encoded): exactly the path and query a replica asks the origin for, and what
 * the balancer hashes, however the client spelled them.
 */
export function objectKey(path: string, policy: QueryPolicy): string {
  // Every route and every request asks for a key; most paths need no work to be one.
  if (path.length > 0 && PLAIN_PATH.test(path)) return path;
  const canonical = canonicalObjectPath(path, policy);
  let url: URL;
  try {
    url = new URL(canonical, ANY_HOST);
  } catch {
    return canonical;
  }
  // Once more: a URL turns `\` into `/`, which can make an empty or a `.` segment again.
  return canonicalObjectPath(`${url.pathname}${url.search}`, policy);
}
