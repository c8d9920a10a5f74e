import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, type Topology } from '@cdn-lab/common';
import { writeDemoSite } from '@cdn-lab/origin';
import { replicaAdminPort, type LabOptions } from './lab-options.js';
import { planReplicas, planShields, type PlannedReplica } from './replica-plan.js';
import { labOperations, type LabOperations, type LabRegion } from './lab-operations.js';
import { RoleSet, type RoleExit, type StopStage } from './lab-roles.js';
import type { RoleProcess } from './role-process.js';

export type { RoleExit } from './lab-roles.js';
export type { LabRegion } from './lab-operations.js';

export interface Lab extends LabOperations {
  dir: string;
  siteDir: string;
  serversFile: string;
  pathsFile: string;
  logDir: string;
  originUrl: string;
  /** The origin's process (a new one after `setOrigin('up')`). */
  origin: RoleProcess;
  /** The edges: the replicas the balancer routes clients to (as scaled; restarted ones replaced). */
  replicas: RoleProcess[];
  /** The shield tier (`--shield N`), the edges' parents; empty without one. */
  shields: RoleProcess[];
  /** The file listing the shields, every edge's `--parents` and the balancer's `--shields`. */
  parentsFile: string | null;
  balancer: RoleProcess;
  /** The world it was started with (null: the flat lab), and its regions' replicas in order. */
  topology: Topology | null;
  regions: LabRegion[];
  /**
   * Stops every role, waiting for each to exit: the balancer first (no new routes go out), then
   * the edges (finishing their transfers), the shields they may still be fetching from, the origin;
   * roles started or restarted after start-up included.
   */
  stop(): Promise<RoleExit[]>;
}

/** Starts origin, replicas and balancer as processes on loopback; tears down what started if any fails. */
export async function startLab(options: LabOptions): Promise<Lab> {
  const { topology } = options;
  const planned = planReplicas(options, topology);
  const plannedShields = planShields(options, topology);
  if (planned.length === 0) {
    throw new UserError(`the topology ${topology?.source ?? ''} gives no region a replica`, 2);
  }
  const dir = resolve(options.dir);
  const siteDir = join(dir, 'site');
  const logDir = join(dir, 'logs');
  const serversFile = join(dir, 'servers.txt');
  const pathsFile = join(dir, 'paths.txt');
  const parentsFile = plannedShields.length > 0 ? join(dir, 'parents.txt') : null;
  await mkdir(logDir, { recursive: true });
  const { manifest } = await writeDemoSite(siteDir, { maxObjectBytes: options.maxObjectBytes });
  await writeFile(pathsFile, `${manifest.objects.map((object) => object.path).join('\n')}\n`);

  const roles = new RoleSet(options);
  try {
    const startOrigin = (port: number): Promise<RoleProcess> =>
      roles.spawn('origin', 'origin', 'origin', [
        ...['--root', siteDir, '--host', '127.0.0.1', '--port', String(port)],
        ...['-l', join(logDir, 'origin.log')],
      ]);
    await options.prepareSite?.(siteDir);
    const origin = await startOrigin(options.originPort);
    const originUrl = `http://127.0.0.1:${origin.ready.port}`;
    const topologyArgs = topology ? ['--topology', topology.source] : [];
    const startReplica = (
      stage: StopStage,
      { name, host, region }: PlannedReplica,
      tierArgs: string[],
      port = options.port,
    ): Promise<RoleProcess> =>
      roles.spawn(stage, 'replica', name, [
        ...['--host', host, '-p', String(port), '--origin', originUrl],
        ...['-w', '/index.html', '-l', join(logDir, `${name}.log`), ...tierArgs],
        ...(region === null ? [] : ['--region', region, ...topologyArgs]),
        ...(options.adminPort === null
          ? []
          : ['--admin-host', host, '--admin-port', String(replicaAdminPort(options.adminPort))]),
        ...(options.replicaArgs ?? []),
      ]);
    // The shields first: the edges' parents file names them by the port they listen on.
    const shields = await Promise.all(
      plannedShields.map((shield) => startReplica('shields', shield, ['--tier', 'shield'])),
    );
    if (parentsFile) await writeFile(parentsFile, parentsFileText(shields));
    const edgeArgs = parentsFile ? ['--parents', parentsFile, '--tier', 'edge'] : [];
    const replicas = await Promise.all(
      planned.map((replica) => startReplica('edges', replica, edgeArgs)),
    );
    await writeFile(serversFile, serversFileText(replicas));
    const balancer = await roles.spawn('balancer', 'balancer', 'balancer', [
      ...['--host', options.balancerHost, '-p', String(options.port), '-s', serversFile],
      ...(parentsFile ? ['--shields', parentsFile] : []),
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
    const lab = {
      ...{ dir, siteDir, serversFile, pathsFile, parentsFile, logDir, originUrl, topology },
      ...{ origin, replicas, shields, balancer, regions },
      stop: () => roles.stopAll(),
    };
    return Object.assign(
      lab,
      labOperations(lab, {
        roles,
        planned,
        startOrigin,
        startEdge: (replica, port) => startReplica('edges', replica, edgeArgs, port),
        writeServers: (edges) => writeFile(serversFile, serversFileText(edges)),
        nextEdge: (n) => ({
          name: `replica-${n}`,
          host: `${options.replicaNetwork}.${n}`,
          region: null,
        }),
      }),
    );
  } catch (error) {
    await roles.stopAll();
    throw error;
  }
}

function serversFileText(replicas: RoleProcess[]): string {
  const lines = replicas.map((replica) => `${replica.ready.host}:${replica.ready.port}`);
  return `# Written by cdn-lab up: one replica a line. Add or remove lines while it runs.\n${lines.join('\n')}\n`;
}

function parentsFileText(shields: RoleProcess[]): string {
  const lines = shields.map((shield) => `${shield.ready.host}:${shield.ready.port}`);
  return `# Written by cdn-lab up: the shield tier, every edge's parents and the balancer's shields.\n${lines.join('\n')}\n`;
}
