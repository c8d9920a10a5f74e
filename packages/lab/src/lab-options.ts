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
  strategy: string | undefined;
  /** Leave demo objects larger than this out of the site (tests use it for speed). */
  maxObjectBytes: number | undefined;
  /** Each line a role prints, with the role's name. */
  onLine: (name: string, line: string) => void;
}

export const LAB_DEFAULTS = {
  dir: '.lab',
  replicas: 5,
  port: 9000,
  balancerHost: '127.0.0.1',
  replicaNetwork: '127.0.1',
  originPort: 8080,
} as const;

export const MAX_REPLICAS = 254;
