import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DockerComposeEnvironment, Wait } from 'testcontainers';
import { endpointId } from '@cdn-lab/common';
import { attachment, docker, serviceContainers, succeeds } from './docker.js';

const run = promisify(execFile);

/** The repository root: the suite runs the real docker-compose.yml, built from the working tree. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PROJECT = 'cdnlab-e2e';
export const NETWORK = `${PROJECT}_cdn`;
const OFFLINE_BASE_IMAGE = 'cdn-lab/node-base:local';

/** The balancer settings the suite runs with (the .env.example defaults, spelled out). */
export const TIMING = {
  probeIntervalMs: 250,
  probeTimeoutMs: 500,
  rise: 2,
  fall: 2,
  reloadIntervalMs: 2000,
};
export const LAB_PORT = 9000;
export const INITIAL_REPLICAS = 3;

/** Which Compose files a lab runs (a base and its overrides), as which project, starting which services. */
export interface LabFile {
  files: string[];
  project: string;
  services: string[];
}

/** The flat lab: docker-compose.yml. */
export const FLAT_LAB: LabFile = {
  files: ['docker-compose.yml'],
  project: PROJECT,
  services: ['origin', 'replica', 'balancer'],
};

export interface Lab {
  /** The balancer as published on the host. */
  balancer: { host: string; port: number };
  balancerContainer: string;
  /** Runs the compose CLI on the suite's project (same files, env and project name). */
  compose(...args: string[]): Promise<string>;
  down(): Promise<void>;
}

interface ComposeCli {
  command: string;
  prefix: string[];
  standalone: boolean;
}

/** `docker compose` (v2 plugin) when present, else the standalone v1 `docker-compose`. */
async function findCompose(): Promise<ComposeCli> {
  if (await succeeds('docker', ['compose', 'version'])) {
    return { command: 'docker', prefix: ['compose'], standalone: false };
  }
  if (await succeeds('docker-compose', ['version'])) {
    return { command: 'docker-compose', prefix: [], standalone: true };
  }
  throw new Error(
    'neither `docker compose` nor `docker-compose` is installed (scripts/ensure-docker)',
  );
}

/** The image the Dockerfile builds FROM: $NODE_IMAGE, else the offline base when it exists. */
export async function baseImage(): Promise<string | undefined> {
  if (process.env['NODE_IMAGE']) return process.env['NODE_IMAGE'];
  return (await succeeds('docker', ['image', 'inspect', OFFLINE_BASE_IMAGE]))
    ? OFFLINE_BASE_IMAGE
    : undefined;
}

async function composeEnvironment(
  overrides: Record<string, string>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    COMPOSE_PROJECT_NAME: PROJECT,
    LAB_IMAGE: 'cdn-lab:e2e',
    LAB_REPLICAS: String(INITIAL_REPLICAS),
    // "127.0.0.1:" + ":9000": a free host port on loopback, so the suite never collides.
    LAB_BALANCER_PUBLISH: '127.0.0.1:',
    LAB_DASHBOARD_PUBLISH: '127.0.0.1:',
    LAB_HEALTH_INTERVAL: '1s',
    CDN_BALANCER_PORT: String(LAB_PORT),
    CDN_PROBE_INTERVAL: `${TIMING.probeIntervalMs}ms`,
    CDN_PROBE_TIMEOUT: `${TIMING.probeTimeoutMs}ms`,
    CDN_RISE: String(TIMING.rise),
    CDN_FALL: String(TIMING.fall),
    CDN_RELOAD_INTERVAL: `${TIMING.reloadIntervalMs}ms`,
    ...overrides,
  };
  const base = await baseImage();
  if (base) env['NODE_IMAGE'] = base;
  return env;
}

/**
 * Builds the image from the working tree and starts origin, replicas and balancer with
 * Testcontainers, waiting for every container's health check. Leftovers of an earlier,
 * interrupted run of the suite are removed first. `overrides` adds or replaces Compose settings.
 */
export async function startLab(
  overrides: Record<string, string> = {},
  lab: LabFile = FLAT_LAB,
): Promise<Lab> {
  process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
  const cli = await findCompose();
  const env = await composeEnvironment({ COMPOSE_PROJECT_NAME: lab.project, ...overrides });
  const compose = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      cli.command,
      [
        ...[...cli.prefix, '-p', lab.project, ...lab.files.flatMap((file) => ['-f', file])],
        ...['--env-file', '.env.example', ...args],
      ],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout.trim();
  };
  const down = async (): Promise<void> => {
    await compose('down', '--volumes', '--remove-orphans', '--timeout', '1');
  };
  await down();

  try {
    await new DockerComposeEnvironment(ROOT, lab.files)
      .withProjectName(lab.project)
      .withEnvironmentFile('.env.example')
      .withEnvironment(env)
      .withBuild()
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(300_000)
      .withClientOptions(cli.standalone ? { executable: { standalone: true } } : {})
      .up(lab.services);
    const [balancerContainer] = await serviceContainers(lab.project, 'balancer');
    if (!balancerContainer) throw new Error('the balancer container is not running');
    const published = await docker('port', balancerContainer, String(LAB_PORT));
    const match = /^(.*):(\d+)$/m.exec(published);
    if (!match?.[1] || !match[2])
      throw new Error(`unexpected \`docker port\` output: ${published}`);
    return {
      balancer: { host: match[1], port: Number(match[2]) },
      balancerContainer,
      compose,
      down,
    };
  } catch (error) {
    await down();
    throw error;
  }
}

/** Time for the balancer to see a change: a DNS re-resolution plus a few probe rounds. */
export const NOTICE_MS =
  TIMING.reloadIntervalMs +
  (TIMING.rise + TIMING.fall + 4) * (TIMING.probeIntervalMs + TIMING.probeTimeoutMs);

/** A replica container, its address on the lab network, and its id as the balancer names it. */
export interface Replica {
  container: string;
  ip: string;
  id: string;
}

export async function runningReplicas(): Promise<Replica[]> {
  const containers = await serviceContainers(PROJECT, 'replica');
  return Promise.all(
    containers.map(async (container) => {
      const { ip } = await attachment(container, NETWORK);
      return { container, ip, id: endpointId(ip, LAB_PORT) };
    }),
  );
}
