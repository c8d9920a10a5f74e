import type { Topology } from '@cdn-lab/common';
import type { Exit } from './role-process.js';

export interface LabOptions {
  /** Working folder: demo site, servers.txt, paths.txt and logs go here. */
  dir: string;
  replicas: number;
  /** The balancer's port, and every replica's (each replica has its own loopback address). */
  port: number;
  balancerHost: string;
  /** Replica i (from 1) listens on `${replicaNetwork}.${i}`. */
  replicaNetwork: string;
  originPort: number;
  /**
   * The balancer's admin port; replica i's admin listens on its own address at adminPort + 1
   * (0: every admin server on any free port). null: no admin servers.
   */
  adminPort: number | null;
  strategy: string | undefined;
  /**
   * A world of regions (`loadTopology`): each region's replicas at 127.R.0.n with `--region
   * --topology`, the balancer with `--topology`. null: the flat lab (`replicas` at `replicaNetwork`).
   */
  topology: Topology | null;
  /** With a topology: this many replicas in every region instead of the file's own counts. */
  replicasPerRegion: number | null;
  /**
   * Shield replicas (the edges' parents, `--tier shield`) at `${shieldNetwork}.1…`; with a
   * topology at 127.R.0.201… of the origin's region. 0: no shield, every edge asks the origin.
   */
  shields: number;
  shieldNetwork: string;
  /** Leave demo objects larger than this out of the site (tests use it for speed). */
  maxObjectBytes: number | undefined;
  /** Each line a role prints, with the role's name. */
  onLine: (name: string, line: string) => void;
  /** A role exited that neither the lab's stop nor one of its operations asked to. */
  onUnexpectedExit?: (name: string, exit: Exit) => void;
  /** More arguments for every replica (`--cache-bytes 1MiB`, `--ttl 5000ms`). */
  replicaArgs?: string[];
  /** Writes more files into the demo site before the origin starts serving it. */
  prepareSite?: (siteDir: string) => Promise<void>;
  /** Node.js options for the role of that name (`replica-1`, `balancer`, …), e.g. `--expose-gc`. */
  execArgvFor?: (name: string) => string[];
}

export const LAB_DEFAULTS = {
  dir: '.lab',
  replicas: 5,
  port: 9000,
  balancerHost: '127.0.0.1',
  replicaNetwork: '127.0.1',
  originPort: 8080,
  adminPort: 9090,
  topology: null,
  replicasPerRegion: null,
  shields: 0,
  shieldNetwork: '127.0.2',
} as const;

/** Replica admin servers listen on this port of their own address (balancer admin + 1). */
export function replicaAdminPort(balancerAdminPort: number): number {
  return balancerAdminPort === 0 ? 0 : balancerAdminPort + 1;
}

export const MAX_REPLICAS = 254;

/** With a topology, shield n is at 127.R.0.(200 + n): clear of the region's own replicas (≤ 64). */
export const SHIELD_HOST_BASE_IN_REGION = 200;
/** As many as fit from 127.R.0.201 to .254; the flat lab keeps the same bound. */
export const MAX_SHIELDS = 254 - SHIELD_HOST_BASE_IN_REGION;
