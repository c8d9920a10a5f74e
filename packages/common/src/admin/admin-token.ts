import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { UserError } from '../config/user-error.js';

/** 127.0.0.0/8, ::1, "localhost" and IPv4-mapped loopback: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Whether an admin server on `host` must have a token to start: anyone who can reach a port
 * beyond loopback could change it. A token that is set is enforced on every address.
 */
export function adminTokenRequired(host: string): boolean {
  return !isLoopbackHost(host);
}

/** Refuses to start an admin server anyone could reach and change without a token. */
export function checkAdminTokenSetting(host: string, token: string | undefined): void {
  if (adminTokenRequired(host) && !token) {
    throw new UserError(
      `the admin address ${host} is not loopback: set a token with --admin-token or CDN_ADMIN_TOKEN`,
    );
  }
}

/**
 * Whether an Authorization header carries exactly `Bearer <token>` (the scheme in any case, as
 * RFC 9110 says). Compared in constant time, so the answer time tells nothing about the token.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer[ \t]+(.+?)[ \t]*$/i.exec(header ?? '')?.[1];
  if (given === undefined || token === '') return false;
  return timingSafeEqual(digestOf(given), digestOf(token));
}

function digestOf(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
