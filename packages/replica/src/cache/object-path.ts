import { BoundedMemo, UserError, canonicalObjectPath, type QueryPolicy } from '@cdn-lab/common';
import { RequestError } from '../request/request-error.js';

/** An object as the replica knows it: the path clients ask for and the URL it comes from. */
export interface ObjectTarget {
  path: string;
  url: string;
}

const ENCODED_SEPARATOR = /%(2f|5c|00)/i;
// WHATWG URL parsing turns percent-encoded dots into real dot segments, so they count too.
const PARENT_SEGMENTS = new Set(['..', '.%2e', '%2e.', '%2e%2e']);
const KEEP_QUERY: QueryPolicy = { kind: 'keep' };

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Refuses anything that could climb out of the origin's tree or confuse a file server, then
 * gives the object's one spelling (common's canonicalObjectPath: escapes canonical, `//` and
 * `.` collapsed, a trailing slash kept, the query as the policy says), the cache key's path.
 */
export function normalizeObjectPath(path: string, query: QueryPolicy = KEEP_QUERY): string {
  if (!path.startsWith('/')) throw new RequestError('bad_request', 'a path must start with "/"');
  if (path.includes('\\')) throw new RequestError('bad_request', 'a path must not contain "\\"');
  if (hasControlCharacter(path)) {
    throw new RequestError('bad_request', 'a path must not contain control characters');
  }
  // Encoded separators and NUL would turn into real ones on a server that decodes them.
  if (ENCODED_SEPARATOR.test(path)) {
    throw new RequestError('bad_request', 'a path must not contain %2f, %5c or %00');
  }
  const queryAt = path.indexOf('?');
  // The URL parser drops spaces at the end of its input: "/.. " would reach the origin as "/..".
  const pathname = queryAt < 0 ? path.replace(/ +$/, '') : path.slice(0, queryAt);
  for (const segment of pathname.split('/')) {
    if (PARENT_SEGMENTS.has(segment.toLowerCase())) {
      throw new RequestError('bad_request', 'a path must not contain ".." segments');
    }
  }
  return canonicalObjectPath(path, query);
}

/** Checks an origin base URL given by the user. */
export function parseOriginUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`the origin "${text}" is not a URL; write it like http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError(`the origin "${text}" must be an http:// or https:// URL`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UserError(`the origin "${text}" must not have a query string or a fragment`);
  }
  return url;
}

/** The origin's URL for a normalized path (the path is appended to the origin's own path). */
export function originUrlFor(origin: URL, path: string): string {
  const base = `${origin.origin}${origin.pathname.replace(/\/+$/, '')}`;
  try {
    return new URL(`${base}${path}`).href;
  } catch {
    throw new RequestError('bad_request', `"${path}" does not make a valid URL`);
  }
}

function isAbsoluteHttpUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/** The default object (-w): an absolute http(s) URL, or a path under the origin. */
export function resolveDefaultObject(spec: string, origin: URL | null): ObjectTarget {
  if (isAbsoluteHttpUrl(spec)) {
    let url: URL;
    try {
      url = new URL(spec);
    } catch {
      throw new UserError(`the default object "${spec}" is not a valid URL`);
    }
    return { path: normalizeForUser(`${url.pathname}${url.search}`, spec), url: url.href };
  }
  if (!origin) {
    throw new UserError(
      `the default object "${spec}" is not an http(s) URL; give a full URL, or a path together with an origin`,
    );
  }
  const path = normalizeForUser(spec.startsWith('/') ? spec : `/${spec}`, spec);
  return { path, url: originUrlFor(origin, path) };
}

function normalizeForUser(path: string, spec: string): string {
  try {
    return normalizeObjectPath(path);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UserError(`the default object "${spec}" is not usable: ${why}`);
  }
}

/** Distinct request paths whose targets are remembered (then the memory starts over). */
const REMEMBERED_TARGETS = 4096;

/**
 * Maps what a client asks for (null: the default object) to where the bytes come from. The
 * mapping never changes while the replica runs, so a path asked for again is not parsed again.
 */
export class TargetResolver {
  private readonly targets = new BoundedMemo(REMEMBERED_TARGETS, (requested: string) =>
    this.targetOf(requested),
  );

  constructor(
    private readonly origin: URL | null,
    readonly defaultTarget: ObjectTarget | null,
    private readonly query: QueryPolicy = KEEP_QUERY,
  ) {}

  resolve(requested: string | null): ObjectTarget {
    if (requested === null) {
      if (this.defaultTarget) return this.defaultTarget;
      throw new RequestError('not_found', 'this replica has no default object; ask for a path');
    }
    return this.targets.get(requested);
  }

  private targetOf(requested: string): ObjectTarget {
    const path = normalizeObjectPath(requested, this.query);
    if (this.defaultTarget && path === this.defaultTarget.path) return this.defaultTarget;
    if (this.origin) return { path, url: originUrlFor(this.origin, path) };
    throw new RequestError('not_found', `${path} is not served here (this replica has no origin)`);
  }
}
