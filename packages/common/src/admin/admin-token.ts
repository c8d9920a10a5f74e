import { isIP } from 'node:net';
import { UserError } from '../config/user-error.js';

/** 127.0.0.0/8, ::1, "localhost" and IPv4-mapped loopback: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Mutating admin requests need a token unless the admin port is reachable from this machine only. */
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

/** Whether an Authorization header carries `Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match?.[1]?.trim() === token;
}
