import type { Command } from 'commander';
import { envOption, portArg } from '../config/cli.js';

/** Where a role's admin HTTP server listens; no port: no admin server. */
export interface AdminSettings {
  /** 0 picks a free port. */
  port: number;
  /** Default DEFAULT_ADMIN_HOST. */
  host?: string;
  /** Needed for POST/DELETE when the host is not loopback. */
  token?: string;
}

export const DEFAULT_ADMIN_HOST = '127.0.0.1';

export interface AdminFlags {
  adminPort?: number;
  adminHost: string;
  adminToken?: string;
}

/** --admin-port, --admin-host and --admin-token (env CDN_ADMIN_PORT, _HOST, _TOKEN). */
export function addAdminOptions(program: Command): Command {
  return program
    .addOption(
      envOption(
        '--admin-port <port>',
        'serve the admin HTTP API on this port (0: any free)',
        'ADMIN_PORT',
      ).argParser(portArg),
    )
    .addOption(
      envOption('--admin-host <addr>', 'address of the admin HTTP API', 'ADMIN_HOST').default(
        DEFAULT_ADMIN_HOST,
      ),
    )
    .addOption(
      envOption(
        '--admin-token <token>',
        'bearer token for admin POST/DELETE; required when --admin-host is not loopback',
        'ADMIN_TOKEN',
      ),
    );
}

export function adminSettingsOf(flags: AdminFlags): AdminSettings | undefined {
  if (flags.adminPort === undefined) return undefined;
  return { port: flags.adminPort, host: flags.adminHost, token: flags.adminToken || undefined };
}
