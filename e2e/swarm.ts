import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { balancerReplicas, type ReplicaStatusView } from './admin.js';
import { attachment, docker } from './docker.js';
import { ROOT, baseImage } from './lab.js';
import { until } from './wait.js';

/**
 * The lab as a Docker Swarm stack (docker-stack.yml) on a one-node swarm: making the swarm when
 * the engine is in none, building the image, deploying, observing and removing the stack.
 */

const run = promisify(execFile);

export const STACK = 'cdne2e';
export const NETWORK = `${STACK}_cdn`;
export const IMAGE = 'cdn-lab:e2e-swarm';
/** Published ports far from the Compose lab's and the e2e suites', so nothing collides. */
export const PUBLISHED = { balancer: 19000, dashboard: 19090, edge: 19100 };
export const LAB_PORT = 9000;
export const ADMIN_TOKEN = 'e2e-swarm-token';
/** Marks the suite's own `docker run` containers (loads), so teardown finds them. */
const OWN_LABEL = 'cdn-lab.e2e=swarm';

/** The settings the stack is deployed with (docker stack deploy reads them from its env). */
export const STACK_ENV: Record<string, string> = {
  LAB_IMAGE: IMAGE,
  LAB_BALANCER_PUBLISH_PORT: String(PUBLISHED.balancer),
  LAB_DASHBOARD_PUBLISH_PORT: String(PUBLISHED.dashboard),
  LAB_EDGE_PORT: String(PUBLISHED.edge),
  // One node: outside clients reach its edge on the host's loopback.
  LAB_EDGE_ADVERTISE: `127.0.0.1:${PUBLISHED.edge}`,
  LAB_HEALTH_INTERVAL: '1s',
  LAB_REPLICAS: '3',
  CDN_ADMIN_TOKEN: ADMIN_TOKEN,
  CDN_PROBE_INTERVAL: '250ms',
  CDN_RELOAD_INTERVAL: '1s',
};

/** Time for the balancer to see a change: a re-resolution, rise/fall probes, health checks. */
export const NOTICE_MS = 20_000;

/** Makes a one-node swarm when the engine is in none; true when this call made it. */
/**
 * A label on the node of a swarm this suite made: a run cut short before it could leave (a CI
 * timeout) leaves it, so the next run knows the swarm is its own to leave, and .ci/run does too.
 */
export const MADE_LABEL = 'cdn-lab.e2e-made-swarm';

export async function ensureSwarm(): Promise<boolean> {
  const state = await docker('info', '--format', '{{.Swarm.LocalNodeState}}');
  if (state === 'active') {
    const mark = await docker(
      'node',
      'inspect',
      'self',
      '--format',
      `{{index .Spec.Labels "${MADE_LABEL}"}}`,
    );
    return mark === 'yes';
  }
  await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
  const node = await docker('info', '--format', '{{.Swarm.NodeID}}');
  await docker('node', 'update', '--label-add', `${MADE_LABEL}=yes`, node);
  return true;
}

/** Builds the image from the working tree, FROM $NODE_IMAGE or the offline base image. */
export async function buildImage(): Promise<void> {
  const base = await baseImage();
  await run(
    'docker',
    ['build', '--quiet', '-t', IMAGE, ...(base ? ['--build-arg', `NODE_IMAGE=${base}`] : []), '.'],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
}

export async function deployStack(): Promise<void> {
  await run('docker', ['stack', 'deploy', '-c', 'docker-stack.yml', STACK], {
    cwd: ROOT,
    env: { ...process.env, ...STACK_ENV },
  });
}

/** Each service of the stack as `name -> "running/desired"` (a task with a health check runs once healthy). */
export async function serviceReplicas(): Promise<Map<string, string>> {
  const output = await docker(
    'service',
    'ls',
    '--filter',
    `label=com.docker.stack.namespace=${STACK}`,
    '--format',
    '{{.Name}} {{.Replicas}}',
  );
  const services = new Map<string, string>();
  for (const line of output.split('\n').filter(Boolean)) {
    const [name, replicas] = line.split(' ');
    if (name && replicas) services.set(name.slice(STACK.length + 1), replicas);
  }
  return services;
}

/** Waits until every service of the stack runs all its tasks, healthy. */
export async function untilConverged(what: string, timeoutMs: number): Promise<void> {
  await until(what, timeoutMs, async () => {
    const services = await serviceReplicas();
    if (services.size === 0) return undefined;
    for (const replicas of services.values()) {
      const [running, desired] = replicas.split('/');
      if (running !== desired) return undefined;
    }
    return true;
  });
}

/** Running containers of a service's tasks, on this node. */
export async function taskContainers(service: string): Promise<string[]> {
  const output = await docker(
    'ps',
    '--filter',
    `label=com.docker.swarm.service.name=${STACK}_${service}`,
    '--format',
    '{{.ID}}',
  );
  return output === '' ? [] : output.split('\n');
}

/** The replica ids (overlay address:port) of a service's running tasks. */
export async function taskIds(service: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const container of await taskContainers(service)) {
    const { ip } = await attachment(container, NETWORK);
    ids.set(`${ip}:${LAB_PORT}`, container);
  }
  return ids;
}

/** The balancer's replicas, from its admin port published on the host. */
export async function balancerStatus(): Promise<ReplicaStatusView[]> {
  return balancerReplicas('127.0.0.1', PUBLISHED.dashboard);
}

/** Waits until the balancer has exactly these replicas up (and knows no others). */
export async function untilBalancerSees(what: string, ids: Iterable<string>): Promise<void> {
  const wanted = JSON.stringify([...ids].sort());
  await until(what, NOTICE_MS, async () => {
    const replicas = await balancerStatus();
    const up = replicas.filter((replica) => replica.state === 'up').map((replica) => replica.id);
    return replicas.length === up.length && JSON.stringify(up.sort()) === wanted ? true : undefined;
  });
}

/**
 * A `docker run` container on the stack's overlay (detached: its id; else its output, removed
 * once done). removeStack removes any left behind.
 */
export async function runOnOverlay(
  options: string[],
  command: string[],
  detach = true,
): Promise<string> {
  return docker(
    'run',
    detach ? '--detach' : '--rm',
    ...['--label', OWN_LABEL, '--network', NETWORK, '--no-healthcheck', ...options],
    IMAGE,
    ...command,
  );
}

async function stackLeftovers(): Promise<string> {
  const label = `label=com.docker.stack.namespace=${STACK}`;
  const containers = await docker('ps', '--all', '--quiet', '--filter', label);
  const networks = await docker('network', 'ls', '--quiet', '--filter', label);
  return `${containers}${networks}`;
}

/** Removes the stack, its containers, network, configs and volumes, and the suite's loads. */
export async function removeStack(): Promise<void> {
  const own = await docker('ps', '--all', '--quiet', '--filter', `label=${OWN_LABEL}`);
  if (own !== '') await docker('rm', '--force', ...own.split('\n'));
  if ((await serviceReplicas()).size > 0) await docker('stack', 'rm', STACK);
  // `stack rm` returns at once; the tasks stop (and drain) in the background.
  await until('the stack to be gone', 120_000, async () =>
    (await stackLeftovers()) === '' ? true : undefined,
  );
  const volumes = await docker(
    'volume',
    'ls',
    '--quiet',
    '--filter',
    `label=com.docker.stack.namespace=${STACK}`,
  );
  if (volumes !== '') await docker('volume', 'rm', ...volumes.split('\n'));
}

export async function leaveSwarm(): Promise<void> {
  await docker('swarm', 'leave', '--force');
}
