import type { Option } from 'commander';
import { envOption, portArg } from '@cdn-lab/common';
import { LAB_DEFAULTS } from './lab-options.js';

/** Where a lab listens: the flags `cdn-lab up` and `cdn-lab run` share. */
export function labPortOption(): Option {
  return envOption('-p, --port <port>', 'balancer and replica port', 'LAB_PORT')
    .argParser(portArg)
    .default(LAB_DEFAULTS.port);
}

export function labOriginPortOption(): Option {
  return envOption('--origin-port <port>', 'lab origin port (0: any free)', 'LAB_ORIGIN_PORT')
    .argParser(portArg)
    .default(LAB_DEFAULTS.originPort);
}

/** `up` defaults to a fixed port (the dashboard's address stays put); `run` to any free one. */
export function labAdminPortOption(description: string, defaultPort: number): Option {
  return envOption('--admin-port <port>', description, 'LAB_ADMIN_PORT')
    .argParser(portArg)
    .default(defaultPort);
}
