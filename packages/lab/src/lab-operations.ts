import { UserError } from '@cdn-lab/common';
import { adminRequest } from './admin-request.js';
import { MAX_REPLICAS } from './lab-options.js';
import type { RoleSet } from './lab-roles.js';
import type { PlannedReplica } from './replica-plan.js';
import type { RoleProcess } from './role-process.js';

/** One region of a lab started with a topology. */
export interface LabRegion {
  name: string;
  replicas: RoleProcess[];
}

/** What a scenario's timeline does to a running lab. Each rejects with a one-line UserError. */
export interface LabOperations {
  /** The current process of `replica-2`, `replica-eu-1`, `shield-1`, `origin` or `balancer`. */
  roleNamed(name: string): RoleProcess | undefined;
  /** SIGKILL, or SIGTERM (it drains first); it stays in servers.txt, so the balancer shows it down. */
  stopRole(name: string, signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /**
   * The flat lab's edges in all: starts replica-N+1… at the next addresses (appended to
   * servers.txt), or drains the last ones on the balancer, removes their lines and stops them
   * with SIGTERM.
   */
  scaleEdges(count: number): Promise<void>;
  /** Stops the origin (down), or starts it again on the same port and site (up). */
  setOrigin(state: 'down' | 'up'): Promise<void>;
  /** Kills every edge of the region (down), or starts them again, same names and addresses (up). */
  setRegion(region: string, state: 'down' | 'up'): Promise<void>;
}

/** The parts of a lab the operations change in place. */
export interface LabParts {
  origin: RoleProcess;
  replicas: RoleProcess[];
  shields: RoleProcess[];
  balancer: RoleProcess;
  regions: LabRegion[];
  topology: unknown;
}

export interface LabStarters {
  roles: RoleSet;
  /** Where start-up placed each edge (the region operations start them there again). */
  planned: PlannedReplica[];
  startOrigin(port: number): Promise<RoleProcess>;
  startEdge(replica: PlannedReplica, port?: number): Promise<RoleProcess>;
  writeServers(edges: RoleProcess[]): Promise<void>;
  /** Flat lab edge n (from 1). */
  nextEdge(n: number): PlannedReplica;
}

export function isRunning(role: RoleProcess): boolean {
  return role.child.exitCode === null && role.child.signalCode === null;
}

/**
 * Takes edges out of the balancer's routing at once (it answers once they get no new routes):
 * servers.txt is only re-read every few seconds, and an edge stopped before that refuses the
 * routes it is still given.
 */
async function drainOnBalancer(balancer: RoleProcess, edges: RoleProcess[]): Promise<void> {
  const admin = balancer.ready.adminUrl;
  if (!admin || !isRunning(balancer)) return;
  const base = admin.endsWith('/') ? admin : `${admin}/`;
  await Promise.all(
    edges.map((edge) => {
      const id = `${edge.ready.host}:${edge.ready.port}`;
      const url = new URL(`replicas/${id}/drain`, base).toString();
      // 404: the balancer has not read this edge from servers.txt yet, so it routes nothing there.
      return adminRequest(url, 'POST', {}, undefined).catch((error: unknown) => {
        if (!(error instanceof Error && / 404 /.test(error.message))) throw error;
      });
    }),
  );
}

export function labOperations(lab: LabParts, starters: LabStarters): LabOperations {
  const { roles } = starters;
  const roleNamed = (name: string): RoleProcess | undefined => {
    if (name === 'origin') return lab.origin;
    if (name === 'balancer') return lab.balancer;
    return [...lab.replicas, ...lab.shields].find((role) => role.name === name);
  };
  const regionNamed = (name: string): LabRegion => {
    const region = lab.regions.find((known) => known.name === name);
    if (!region) {
      const names = lab.regions.map((known) => known.name).join(', ') || 'none: the flat lab';
      throw new UserError(`no region ${name} in this lab (${names})`);
    }
    return region;
  };
  const restartEdge = async (region: LabRegion, old: RoleProcess): Promise<void> => {
    const planned = starters.planned.find((replica) => replica.name === old.name);
    if (!planned) throw new Error(`${old.name} was not planned at start-up`);
    const started = await starters.startEdge(planned, old.ready.port);
    region.replicas[region.replicas.indexOf(old)] = started;
    lab.replicas[lab.replicas.indexOf(old)] = started;
  };

  return {
    roleNamed,
    async stopRole(name, signal) {
      const role = roleNamed(name);
      if (!role) throw new UserError(`no role ${name} in this lab`);
      if (!isRunning(role)) throw new UserError(`${name} is not running`);
      await roles.stopOne(role, signal);
    },
    async scaleEdges(count) {
      if (lab.topology !== null) throw new UserError('scale is for the flat lab (no topology)');
      if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS) {
        throw new UserError(`scale to ${count}: from 1 to ${MAX_REPLICAS} edges`);
      }
      if (count > lab.replicas.length) {
        const numbers = Array.from(
          { length: count - lab.replicas.length },
          (_, i) => lab.replicas.length + i + 1,
        );
        const added = await Promise.all(
          numbers.map((n) => starters.startEdge(starters.nextEdge(n))),
        );
        lab.replicas.push(...added);
        await starters.writeServers(lab.replicas);
        return;
      }
      const removed = lab.replicas.splice(count);
      await drainOnBalancer(lab.balancer, removed);
      await starters.writeServers(lab.replicas);
      await Promise.all(removed.map((role) => roles.stopOne(role, 'SIGTERM')));
    },
    async setOrigin(state) {
      const running = isRunning(lab.origin);
      if (state === 'down') {
        if (!running) throw new UserError('the origin is already down');
        await roles.stopOne(lab.origin, 'SIGTERM');
        return;
      }
      if (running) throw new UserError('the origin is already up');
      lab.origin = await starters.startOrigin(lab.origin.ready.port);
    },
    async setRegion(name, state) {
      const region = regionNamed(name);
      if (state === 'down') {
        const up = region.replicas.filter(isRunning);
        if (up.length === 0) throw new UserError(`region ${name} is already down`);
        await Promise.all(up.map((role) => roles.stopOne(role, 'SIGKILL')));
        return;
      }
      const down = region.replicas.filter((role) => !isRunning(role));
      if (down.length === 0) throw new UserError(`region ${name} is already up`);
      await Promise.all(down.map((role) => restartEdge(region, role)));
    },
  };
}
