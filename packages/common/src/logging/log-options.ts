import type { Command } from 'commander';
import { envOption, requestLogPolicyArg } from '../config/cli.js';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from './logger.js';

export interface LogFlags {
  logRequests: string;
  logLevel: string;
}

/** The request line default of both listening roles: every request of a class, not a load test. */
export const DEFAULT_LOG_REQUESTS = '100';

/** --log-requests and --log-level, for a role whose log has a line per request. */
export function addLogOptions(program: Command, what: 'requests' | 'routes'): Command {
  return program
    .addOption(
      envOption(
        '--log-requests <policy>',
        `${what} logged line by line: all, off, or at most N a second (the rest counted in one line a second); state changes are always logged`,
        'LOG_REQUESTS',
      )
        .argParser(requestLogPolicyArg)
        .default(DEFAULT_LOG_REQUESTS),
    )
    .addOption(
      envOption('--log-level <level>', 'lowest level written to the log', 'LOG_LEVEL')
        .choices(LOG_LEVELS)
        .default(DEFAULT_LOG_LEVEL),
    );
}
