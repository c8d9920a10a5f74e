import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError, type Topology } from '@cdn-lab/common';
import { writeDemoSite } from '@cdn-lab/origin';
import { replicaAdminPort, type LabOptions } from './lab-options.js';
import { planReplicas, planShields, type PlannedReplica } from './replica-plan.js';
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
  /** The edges: the replicas the balancer routes clients to. */
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
   * the edges (finishing their transfers), the shields they may still be fetching from, the origin.
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

  const started: StartedRole[] = [];
  let stopping = false;
  const spawn = async (
    stage: StopStage,
    ...args: Parameters<typeof spawnRole>
  ): Promise<RoleProcess> => {
    const role = await spawnRole(args[0], args[1], args[2], {
      onLine: options.onLine,
      execArgv: options.execArgvFor?.(args[1]) ?? [],
    });
    started.push({ role, stage });
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
    const origin = await spawn('origin', 'origin', 'origin', [
      ...['--root', siteDir, '--host', '127.0.0.1', '--port', String(options.originPort)],
      ...['-l', join(logDir, 'origin.log')],
    ]);
    const originUrl = `http://127.0.0.1:${origin.ready.port}`;
    const topologyArgs = topology ? ['--topology', topology.source] : [];
    const startReplica = (
      stage: StopStage,
      { name, host, region }: PlannedReplica,
      tierArgs: string[],
    ): Promise<RoleProcess> =>
      spawn(stage, 'replica', name, [
        ...['--host', host, '-p', String(options.port), '--origin', originUrl],
        ...['-w', '/index.html', '-l', join(logDir, `${name}.log`), ...tierArgs],
        ...(region === null ? [] : ['--region', region, ...topologyArgs]),
        ...(options.adminPort === null
          ? []
          : ['--admin-host', host, '--admin-port', String(replicaAdminPort(options.adminPort))]),
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
    const balancer = await spawn('balancer', 'balancer', 'balancer', [
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
    return {
      ...{ dir, siteDir, serversFile, pathsFile, parentsFile, logDir, originUrl },
      ...{ origin, replicas, shields, balancer, topology, regions, stop: stopStarted },
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

function parentsFileText(shields: RoleProcess[]): string {
  const lines = shields.map((shield) => `${shield.ready.host}:${shield.ready.port}`);
  return `# Written by cdn-lab up: the shield tier, every edge's parents and the balancer's shields.\n${lines.join('\n')}\n`;
}

/** The order roles stop in; roles of one stage stop together. */
const STOP_ORDER = ['balancer', 'edges', 'shields', 'origin'] as const;
type StopStage = (typeof STOP_ORDER)[number];

interface StartedRole {
  role: RoleProcess;
  stage: StopStage;
}

/**
 * The balancer goes first so that no client is sent to a replica that is already stopping; the
 * edges drain before the shields and the origin they may still be fetching from.
 */
async function stopAll(roles: StartedRole[]): Promise<RoleExit[]> {
  const exits: RoleExit[] = [];
  for (const stage of STOP_ORDER) {
    const stopping = roles
      .filter((started) => started.stage === stage)
      .map(async ({ role }) => ({ name: role.name, ...(await role.stop()) }));
    exits.push(...(await Promise.all(stopping)));
  }
  return exits;
}
