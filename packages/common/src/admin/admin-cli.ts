import type { Command } from 'commander';
import { envOption, portArg } from '../config/cli.js';

/** Where a role's admin HTTP server listens; no port: no admin server. */
export interface AdminSettings {
  /** 0 picks a free port. */
  port: number;
  /** Default DEFAULT_ADMIN_HOST. */
  host?: string;
  /** When set, POST/DELETE need it, on every address; required beyond loopback. */
  token?: string;
  /** Host names, besides the address and `localhost`, that requests may name (e.g. `balancer`). */
  allowedHosts?: string[];
}

export const DEFAULT_ADMIN_HOST = '127.0.0.1';

export interface AdminFlags {
  adminPort?: number;
  adminHost: string;
  adminToken?: string;
  adminAllowedHosts?: string[];
}

/** Comma-separated names, blanks dropped. */
function nameList(text: string): string[] {
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * --admin-port, --admin-host, --admin-token and --admin-allowed-hosts (env CDN_ADMIN_PORT,
 * _HOST, _TOKEN, _ALLOWED_HOSTS).
 */
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
        'bearer token for admin POST/DELETE (enforced on every address); required when --admin-host is not loopback',
        'ADMIN_TOKEN',
      ),
    )
    .addOption(
      envOption(
        '--admin-allowed-hosts <names>',
        'host names requests may use besides the admin address and localhost (comma-separated), e.g. a Compose service name',
        'ADMIN_ALLOWED_HOSTS',
      ).argParser(nameList),
    );
}

export function adminSettingsOf(flags: AdminFlags): AdminSettings | undefined {
  if (flags.adminPort === undefined) return undefined;
  return {
    port: flags.adminPort,
    host: flags.adminHost,
    token: flags.adminToken || undefined,
    allowedHosts: flags.adminAllowedHosts ?? [],
  };
}
