import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { parse } from 'yaml';

/**
 * The Docker Swarm stack files (docker-stack.yml, docker-stack.regions.yml) are generated from
 * the Compose files by scripts/gen-stack.mjs. These tests need no Docker: they check that the
 * committed files are what the generator writes, and that they have the shape Docker 20.10's
 * stack loader accepts and the behaviour docs/scale-out.md promises.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

type Yaml = Record<string, unknown>;
interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: Yaml;
  volumes?: string[];
  ports?: (string | Yaml)[];
  stop_grace_period?: string;
  scale?: unknown;
  build?: unknown;
  depends_on?: unknown;
  configs?: { source: string; target: string }[];
  deploy?: {
    mode?: string;
    replicas?: unknown;
    endpoint_mode?: string;
    update_config?: { order?: string };
    placement?: { constraints?: string[] };
  };
}
interface StackFile {
  version?: unknown;
  services: Record<string, Service>;
  networks?: Record<string, { driver?: string; attachable?: boolean }>;
  configs?: Record<string, { file?: string }>;
}

function load(file: string): StackFile {
  return parse(readFileSync(join(ROOT, file), 'utf8'), { merge: true }) as StackFile;
}

function service(file: StackFile, name: string): Service {
  const found = file.services[name];
  assert.ok(found, `service ${name}`);
  return found;
}

/** Seconds of a duration like 40s, 2m or `${VAR:-30s}` (its default). */
function seconds(duration: string): number {
  const match = /^(?:\$\{[A-Z0-9_]+:-)?(\d+)(ms|s|m)\}?$/.exec(duration);
  assert.ok(match?.[1] && match[2], `a duration: ${duration}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
}

/** The servers list the balancer's swarm config carries. */
function serversListOf(stack: StackFile): string[] {
  const [source] = (service(stack, 'balancer').configs ?? [])
    .filter((config) => config.target === '/etc/cdn-lab/servers.txt')
    .map((config) => config.source);
  assert.ok(source, 'the balancer gets its servers list from a swarm config');
  const file = stack.configs?.[source]?.file;
  assert.ok(file, `config ${source} has a file`);
  return readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** What Docker 20.10's stack loader refuses or ignores, for every service of a stack file. */
function assertLoadableBy2010(stack: StackFile): void {
  assert.equal(typeof stack.version, 'string', 'a version: key (20.10 refuses a file without)');
  assert.match(String(stack.version), /^3\.\d+$/);
  for (const [name, entry] of Object.entries(stack.services)) {
    assert.equal(entry.scale, undefined, `${name}: no scale: (refused)`);
    assert.equal(entry.build, undefined, `${name}: no build: (ignored)`);
    assert.ok(
      entry.depends_on === undefined || Array.isArray(entry.depends_on),
      `${name}: depends_on a list or absent (conditions are refused)`,
    );
    for (const volume of entry.volumes ?? []) {
      assert.doesNotMatch(volume, /^[./~]/, `${name}: no bind mount of a host file (${volume})`);
    }
    for (const port of entry.ports ?? []) {
      assert.equal(typeof port, 'object', `${name}: ports in the long syntax (no host IP)`);
      assert.equal((port as Yaml)['mode'], 'host', `${name}: published on the node itself`);
    }
    // Service VIPs and the ingress routing mesh need IPVS, which not every kernel has.
    assert.equal(entry.deploy?.endpoint_mode, 'dnsrr', `${name}: DNS round robin`);
  }
  for (const [name, network] of Object.entries(stack.networks ?? {})) {
    assert.equal(network.driver, 'overlay', `network ${name} spans the nodes`);
    assert.equal(network.attachable, true, `network ${name} is attachable (docker run clients)`);
  }
}

/** A replica service rolls start-first and drains within its stop grace period. */
function assertRollsWithoutLoss(name: string, entry: Service): void {
  assert.equal(entry.deploy?.update_config?.order, 'start-first', `${name}: start-first`);
  const grace = seconds(entry.stop_grace_period ?? '10s');
  const drain = seconds(entry.environment?.['CDN_DRAIN_TIMEOUT'] ?? '');
  assert.ok(grace > drain, `${name}: stop grace ${grace} s > drain timeout ${drain} s`);
}

describe('the Docker Swarm stack files', () => {
  test('the committed stack files and servers lists are what scripts/gen-stack.mjs writes', () => {
    const check = spawnSync(process.execPath, ['scripts/gen-stack.mjs', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(check.status, 0, `${check.stderr}${check.stdout}`);
  });

  test('docker-stack.yml has the shape the 20.10 loader accepts', () => {
    assertLoadableBy2010(load('docker-stack.yml'));
  });

  test('docker-stack.regions.yml has the shape the 20.10 loader accepts', () => {
    assertLoadableBy2010(load('docker-stack.regions.yml'));
  });

  test('every setting the stack shares with the Compose lab comes from docker-compose.yml', () => {
    const compose = load('docker-compose.yml');
    const stack = load('docker-stack.yml');
    assert.deepEqual(Object.keys(stack.services).sort(), [
      ...[...Object.keys(compose.services), 'edge'].sort(),
    ]);
    for (const [name, original] of Object.entries(compose.services)) {
      const entry = service(stack, name);
      assert.equal(entry.image, original.image, `${name}: image`);
      assert.deepEqual(entry.healthcheck, original.healthcheck, `${name}: healthcheck`);
      assert.equal(entry.stop_grace_period, original.stop_grace_period, `${name}: grace`);
      if (name !== 'balancer') assert.deepEqual(entry.command, original.command, `${name}`);
      assert.deepEqual(entry.environment, original.environment, `${name}: environment`);
    }
    assert.equal(service(stack, 'replica').deploy?.replicas, compose.services['replica']?.scale);
    // The edge is the replica with its own command and a few LAB_ variables.
    const { CDN_ADMIN_ALLOWED_HOSTS: replicaHosts, ...replicaEnvironment } =
      service(stack, 'replica').environment ?? {};
    const { CDN_ADMIN_ALLOWED_HOSTS: edgeHosts, ...edgeEnvironment } =
      service(stack, 'edge').environment ?? {};
    assert.equal(replicaHosts, 'replica');
    assert.equal(edgeHosts, 'edge');
    for (const [key, value] of Object.entries(replicaEnvironment)) {
      assert.equal(edgeEnvironment[key], value, `edge ${key}`);
    }
  });

  test('replicas roll start-first with a stop grace period above their drain timeout', () => {
    const stack = load('docker-stack.yml');
    assertRollsWithoutLoss('replica', service(stack, 'replica'));
    const regions = load('docker-stack.regions.yml');
    for (const name of ['replica-eu', 'replica-us', 'replica-ap']) {
      assertRollsWithoutLoss(name, service(regions, name));
    }
  });

  test('the balancer discovers tasks.replica and tasks.edge from a swarm config, and scales none of them by hand', () => {
    const stack = load('docker-stack.yml');
    assert.deepEqual(serversListOf(stack), ['tasks.replica', 'tasks.edge']);
    const balancer = service(stack, 'balancer');
    assert.deepEqual(balancer.command?.slice(0, 2), ['cdn-balancer', '--servers']);
    assert.equal(balancer.command?.[2], '/etc/cdn-lab/servers.txt');
    assert.deepEqual(
      (balancer.ports ?? []).map((port) => (port as Yaml)['published']),
      ['${LAB_BALANCER_PUBLISH_PORT:-9000}', '${LAB_DASHBOARD_PUBLISH_PORT:-9090}'],
    );
  });

  test('the edge runs on every node, published on the node at 9100, advertising that address', () => {
    const edge = service(load('docker-stack.yml'), 'edge');
    assert.equal(edge.deploy?.mode, 'global');
    assert.equal(edge.deploy?.replicas, undefined);
    assert.deepEqual(edge.ports, [
      {
        target: '${CDN_BALANCER_PORT:-9000}',
        published: '${LAB_EDGE_PORT:-9100}',
        protocol: 'tcp',
        mode: 'host',
      },
    ]);
    assert.equal(edge.environment?.['LAB_NODE'], '{{.Node.Hostname}}');
    assert.equal(edge.environment?.['LAB_EDGE_ADVERTISE'], '${LAB_EDGE_ADVERTISE:-}');
    const script = edge.command?.[2] ?? '';
    assert.match(
      script,
      /CDN_ADVERTISE="\$\$\{LAB_EDGE_ADVERTISE:-\$\$LAB_NODE:\$\$LAB_EDGE_PORT\}"/,
    );
    assert.match(script, /exec cdn-replica /);
  });

  test('in the regions stack every regional service is placed on nodes labelled with its region', () => {
    const regions = load('docker-stack.regions.yml');
    const placed: string[] = [];
    for (const region of ['eu', 'us', 'ap']) {
      for (const role of ['replica', 'edge', 'client']) {
        const name = `${role}-${region}`;
        assert.deepEqual(service(regions, name).deploy?.placement?.constraints, [
          `node.labels.region == ${region}`,
        ]);
        placed.push(name);
      }
    }
    assert.deepEqual(serversListOf(regions), [
      ...['eu', 'us', 'ap'].flatMap((region) => [
        `tasks.replica-${region}`,
        `tasks.edge-${region}`,
      ]),
    ]);
    for (const name of ['origin', 'balancer']) {
      const constraints = service(regions, name).deploy?.placement?.constraints ?? [];
      assert.ok(!constraints.some((c) => c.includes('region')), `${name}: in no region`);
    }
  });
});
