import type { Command } from 'commander';
import {
  DEFAULT_TOPOLOGY_FILE,
  addFaultOptions,
  envOption,
  faultsFromOptions,
  intArg,
  loadTopology,
  say,
} from '@cdn-lab/common';
import { adminRequest } from './admin-request.js';
import { LAB_DEFAULTS, replicaAdminPort } from './lab-options.js';
import { replicaAdminUrl } from './replica-admin-url.js';

interface TargetFlags {
  adminUrl?: string;
  adminPort: number;
  token?: string;
  topology: string;
}

/** `cdn-lab fault`'s options are the fault table's words: --delay, --error-rate, … */
const FAULT_OPTIONS = { prefix: '' };

function withTarget(command: Command): Command {
  return command
    .argument(
      '<replica>',
      'replica-3, 3 or 127.0.1.3; replica-eu-1 in a lab with a topology; shield-1 (with --topology: in its origin region)',
    )
    .addOption(
      envOption(
        '--admin-url <url>',
        "the replica's admin URL (instead of the lab's)",
        'FAULT_ADMIN_URL',
      ),
    )
    .addOption(
      envOption('--admin-port <port>', "replicas' admin port in the lab", 'LAB_REPLICA_ADMIN_PORT')
        .argParser(intArg(1, 65535))
        .default(replicaAdminPort(LAB_DEFAULTS.adminPort)),
    )
    .addOption(envOption('--token <token>', 'admin bearer token', 'ADMIN_TOKEN'))
    .addOption(
      envOption(
        '--topology <file>',
        'the topology of replica-<region>-<n> names (and, named, of shield-<n>)',
        'TOPOLOGY',
      ).default(DEFAULT_TOPOLOGY_FILE, 'topologies/three-regions.yml'),
    );
}

function targetUrl(replica: string, flags: TargetFlags, command: Command): string {
  // shield-n is in the flat lab's place unless a topology is named, as `cdn-lab up` puts it.
  const topologyNamed = command.getOptionValueSource('topology') !== 'default';
  const base =
    flags.adminUrl ??
    replicaAdminUrl(
      replica,
      LAB_DEFAULTS.replicaNetwork,
      flags.adminPort,
      () => loadTopology(flags.topology),
      topologyNamed,
    );
  return new URL('faults', base.endsWith('/') ? base : `${base}/`).toString();
}

function describe(faults: unknown): string {
  const entries = Object.entries((faults ?? {}) as Record<string, unknown>);
  return entries.length === 0
    ? 'none'
    : entries.map(([name, value]) => `${name}=${String(value)}`).join(' ');
}

export function addFaultCommands(program: Command): void {
  addFaultOptions(withTarget(program.command('fault')), FAULT_OPTIONS)
    .description("inject faults into a replica (merged with those in force); see 'cdn-lab heal'")
    .action(async (replica: string, flags: TargetFlags, command: Command) => {
      const faults = faultsFromOptions({ ...flags }, FAULT_OPTIONS);
      if (Object.keys(faults).length === 0) {
        command.error('give at least one fault, e.g. --delay 50ms', { exitCode: 2 });
      }
      const url = targetUrl(replica, flags, command);
      const active = await adminRequest(url, 'POST', faults, flags.token);
      say('lab', `${replica}: faults in force: ${describe(active)}`);
    });
  withTarget(program.command('heal'))
    .description('clear every fault injected into a replica')
    .action(async (replica: string, flags: TargetFlags, command: Command) => {
      await adminRequest(targetUrl(replica, flags, command), 'DELETE', undefined, flags.token);
      say('lab', `${replica}: healed (no faults)`);
    });
}
