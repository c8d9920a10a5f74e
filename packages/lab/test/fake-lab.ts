// A started lab as the summaries see it, without starting anything.
import type { ChildProcess } from 'node:child_process';
import type { Topology } from '@cdn-lab/common';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import type { Lab } from '../src/lab.js';
import type { LabOperations } from '../src/lab-operations.js';
import { planReplicas, planShields } from '../src/replica-plan.js';
import type { Role, RoleProcess } from '../src/role-process.js';

let nextPid = 1000;

/** A role as the summary sees it: a name, a pid and where it listens. */
export function fakeRole(name: string, kind: Role, host: string, port: number): RoleProcess {
  nextPid += 1;
  return {
    name,
    role: kind,
    child: { pid: nextPid } as ChildProcess,
    ready: { type: 'ready', role: kind, host, port, adminUrl: `http://${host}:9091/` },
    exited: new Promise(() => undefined),
    stop: () => Promise.resolve({ code: 0, signal: null }),
  };
}

const refuse = (): Promise<never> => Promise.reject(new Error('a fake lab runs nothing'));
/** A fake lab's operations: the summaries never call them. */
const notStarted: LabOperations = {
  roleNamed: () => undefined,
  stopRole: refuse,
  scaleEdges: refuse,
  setOrigin: refuse,
  setRegion: refuse,
};

/** The lab `cdn-lab up` would start: `replicasPerRegion` with a topology, and `shields`. */
export function fakeLab(
  topology: Topology | null,
  options: { replicas?: number; replicasPerRegion?: number | null; shields?: number } = {},
): Lab {
  const plan = {
    ...LAB_DEFAULTS,
    replicas: options.replicas ?? LAB_DEFAULTS.replicas,
    replicasPerRegion: options.replicasPerRegion ?? null,
    shields: options.shields ?? 0,
  };
  const planned = planReplicas(plan, topology);
  const replicas = planned.map(({ name, host }) => fakeRole(name, 'replica', host, 9000));
  const shields = planShields(plan, topology).map(({ name, host }) =>
    fakeRole(name, 'replica', host, 9000),
  );
  return {
    ...{ dir: '/lab', siteDir: '/lab/site', serversFile: '/lab/servers.txt' },
    ...{ pathsFile: '/lab/paths.txt', logDir: '/lab/logs', originUrl: 'http://127.0.0.1:8080' },
    origin: fakeRole('origin', 'origin', '127.0.0.1', 8080),
    replicas,
    shields,
    parentsFile: shields.length > 0 ? '/lab/parents.txt' : null,
    balancer: fakeRole('balancer', 'balancer', '127.0.0.1', 9000),
    topology,
    regions: (topology?.regions ?? []).map((region) => ({
      name: region.name,
      replicas: replicas.filter((_, i) => planned[i]?.region === region.name),
    })),
    stop: () => Promise.resolve([]),
    ...notStarted,
  };
}
