import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, type Topology } from '@cdn-lab/common';
import { writeDemoSite } from '@cdn-lab/origin';
import { replicaAdminPort, type LabOptions } from './lab-options.js';
import { planReplicas } from './replica-plan.js';
import { spawnRole, type Exit, type RoleProcess } from './role-process.js';

export interface RoleExit extends Exit {
  name: string;
}

/** One region of a lab started with a topology. */
export interface LabRegion {
  name: string;
  replicas: RoleProcess[];
}

export interface Lab {
  dir: string;
  siteDir: string;
  serversFile: string;
  pathsFile: string;
  logDir: string;
  originUrl: string;
  origin: RoleProcess;
  replicas: RoleProcess[];
  balancer: RoleProcess;
  /** The world it was started with (null: the flat lab), and its regions' replicas in order. */
  topology: Topology | null;
  regions: LabRegion[];
  /** Stops every role (balancer first, so no new routes go out), waiting for each to exit. */
  stop(): Promise<RoleExit[]>;
}

/** Starts origin, replicas and balancer as processes on loopback; tears down what started if any fails. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const { topology } = options;
  const planned = planReplicas(options, topology);
  if (planned.length === 0) {
    throw new UserError(`the topology ${topology?.source ?? ''} gives no region a replica`, 2);
  }
  const dir = resolve(options.dir);
  const siteDir = join(dir, 'site');
  const logDir = join(dir, 'logs');
  const serversFile = join(dir, 'servers.txt');
  const pathsFile = join(dir, 'paths.txt');
  await mkdir(logDir, { recursive: true });
  const { manifest } = await writeDemoSite(siteDir, { maxObjectBytes: options.maxObjectBytes });
  await writeFile(pathsFile, `${manifest.objects.map((object) => object.path).join('\n')}\n`);

  const started: RoleProcess[] = [];
  let stopping = false;
  const spawn = async (...args: Parameters<typeof spawnRole>): Promise<RoleProcess> => {
    const role = await spawnRole(args[0], args[1], args[2], {
      onLine: options.onLine,
      execArgv: options.execArgvFor?.(args[1]) ?? [],
    });
    started.push(role);
    void role.exited.then((exit) => {
      if (!stopping)
        options.onLine(role.name, `exited unexpectedly (${exit.signal ?? `code ${exit.code}`})`);
    });
    return role;
  };
  const stopStarted = (): Promise<RoleExit[]> => {
    stopping = true;
    return stopAll(started);
  };
  try {
    const origin = await spawn('origin', 'origin', [
      ...['--root', siteDir, '--host', '127.0.0.1', '--port', String(options.originPort)],
      ...['-l', join(logDir, 'origin.log')],
    ]);
    const originUrl = `http://127.0.0.1:${origin.ready.port}`;
    const topologyArgs = topology ? ['--topology', topology.source] : [];
    const replicas = await Promise.all(
      planned.map(({ name, host, region }) =>
        spawn('replica', name, [
          ...['--host', host, '-p', String(options.port), '--origin', originUrl],
          ...['-w', '/index.html', '-l', join(logDir, `${name}.log`)],
          ...(region === null ? [] : ['--region', region, ...topologyArgs]),
          ...(options.adminPort === null
            ? []
            : ['--admin-host', host, '--admin-port', String(replicaAdminPort(options.adminPort))]),
        ]),
      ),
    );
    await writeFile(serversFile, serversFileText(replicas));
    const balancer = await spawn('balancer', 'balancer', [
      ...['--host', options.balancerHost, '-p', String(options.port), '-s', serversFile],
      ...['-l', join(logDir, 'balancer.log')],
      ...(options.strategy ? ['--strategy', options.strategy] : []),
      ...topologyArgs,
      ...(options.adminPort === null
        ? []
        : ['--admin-host', '127.0.0.1', '--admin-port', String(options.adminPort)]),
    ]);
    const regions = (topology?.regions ?? []).map((region) => ({
      name: region.name,
      replicas: replicas.filter((_, i) => planned[i]?.region === region.name),
    }));
    return {
      ...{ dir, siteDir, serversFile, pathsFile, logDir, originUrl },
      ...{ origin, replicas, balancer, topology, regions, stop: stopStarted },
    };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

function serversFileText(replicas: RoleProcess[]): string {
  const lines = replicas.map((replica) => `${replica.ready.host}:${replica.ready.port}`);
  return `# Written by cdn-lab up: one replica a line. Add or remove lines while it runs.\n${lines.join('\n')}\n`;
}

/** The balancer goes first so that no client is sent to a replica that is already stopping. */
async function stopAll(roles: RoleProcess[]): Promise<RoleExit[]> {
  const stop = async (role: RoleProcess): Promise<RoleExit> => ({
    name: role.name,
    ...(await role.stop()),
  });
  const balancer = roles.filter((role) => role.role === 'balancer');
  const others = roles.filter((role) => role.role !== 'balancer');
  const first = await Promise.all(balancer.map(stop));
  return [...first, ...(await Promise.all(others.map(stop)))];
}
