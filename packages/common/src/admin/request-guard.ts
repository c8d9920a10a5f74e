import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

/**
 * The rules that keep a web page the user happens to open away from the admin API. A browser
 * lets any page send a "simple" request (a form POST, `text/plain`) to any address, and a page
 * whose name is re-pointed at 127.0.0.1 (DNS rebinding) may even read the answers. So every
 * request must name this server in `Host`, and a request that changes something must come from
 * no page or from this server's own pages, with a JSON body or none.
 */

/** Addresses that mean "every interface": any IP literal reaches such a server. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** A host without brackets, port, trailing dot or IPv4-mapped prefix, in lower case. */
export function bareHost(host: string): string {
  let bare = host.trim().toLowerCase();
  if (bare.startsWith('[')) {
    const close = bare.indexOf(']');
    bare = bare.slice(1, close < 0 ? undefined : close);
  } else if (isIP(bare) !== 6) {
    const colon = bare.lastIndexOf(':');
    if (colon >= 0) bare = bare.slice(0, colon);
  }
  if (bare.endsWith('.')) bare = bare.slice(0, -1);
  if (bare.startsWith('::ffff:') && isIP(bare.slice(7)) === 4) bare = bare.slice(7);
  return bare;
}

/**
 * Whether a `Host` header names this admin server: `localhost`, its listening address (any IP
 * literal when it listens on every interface, as in a container), or a name the operator
 * allowed. The port is not compared: a published port (Docker's 127.0.0.1:9090 → 9090) may
 * differ, and a rebinding page can only ever send its own name, never an address.
 */
export function hostNamesAdmin(
  header: string | undefined,
  adminHost: string,
  allowedHosts: readonly string[] = [],
): boolean {
  if (header === undefined) return true; // HTTP/1.0 without Host: no browser sends that
  const name = bareHost(header);
  if (name === 'localhost') return true;
  if (allowedHosts.some((allowed) => bareHost(allowed) === name)) return true;
  const listening = bareHost(adminHost);
  if (WILDCARD_HOSTS.has(listening)) return isIP(name) !== 0;
  return name === listening;
}

/** Why a request that changes something looks sent by another site's page, or null. */
export function crossSiteReason(headers: IncomingHttpHeaders): string | null {
  const fetchSite = headers['sec-fetch-site'];
  // "none": typed by the user or sent by a tool; "same-origin": the admin's own page.
  if (fetchSite !== undefined && fetchSite !== 'none' && fetchSite !== 'same-origin') {
    return `Sec-Fetch-Site: ${fetchSite}`;
  }
  const origin = headers.origin;
  if (origin === undefined) return null;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `Origin: ${origin}`;
  }
  return originHost !== '' && originHost === normalisedHostHeader(headers.host)
    ? null
    : `Origin: ${origin}`;
}

function normalisedHostHeader(host: string | undefined): string | null {
  if (host === undefined) return null;
  try {
    return new URL(`http://${host}`).host;
  } catch {
    return null;
  }
}

/** Why a request body is refused (it must be JSON, or absent), or null. */
export function bodyTypeProblem(headers: IncomingHttpHeaders): string | null {
  const length = headers['content-length'];
  const hasBody =
    headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return null;
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return null;
  return `the body must be JSON with "Content-Type: application/json" (got ${
    type ? `"${type}"` : 'none'
  })`;
}
