#!/usr/bin/env node
// Writes the Docker Swarm stack files from the Compose labs, so the settings have one source:
//   docker-compose.yml          -> docker-stack.yml          + servers.stack.txt
//   docker-compose.regions.yml  -> docker-stack.regions.yml  + servers.stack.regions.txt
// plus the stack-only settings of docker-stack.settings.yml. `--check` writes nothing and exits 1
// when a committed file differs from what would be written (the unit tests run it).
//   node scripts/gen-stack.mjs [--check]          (npm run gen:stack)
// What Docker 20.10's stack loader needs and this changes is in docs/scale-out.md.
/* global process, console, structuredClone */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { parse, stringify } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SETTINGS_FILE = 'docker-stack.settings.yml';

/** Each stack file: the Compose file it comes from and the servers list it ships. */
export const STACKS = [
  { from: 'docker-compose.yml', to: 'docker-stack.yml', servers: 'servers.stack.txt' },
  {
    from: 'docker-compose.regions.yml',
    to: 'docker-stack.regions.yml',
    servers: 'servers.stack.regions.txt',
  },
];

/** The compose format version the 20.10 loader reads (3.8: init, rollback_config, configs). */
const STACK_VERSION = '3.8';

const isMap = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const clone = (value) => structuredClone(value);

/** `base` with `over` merged in: maps key by key, a list or value replaces, null removes. */
function merge(base, over) {
  if (!isMap(base) || !isMap(over)) return clone(over);
  const result = clone(base);
  for (const [key, value] of Object.entries(over)) {
    result[key] = key in result && value !== null ? merge(result[key], value) : clone(value);
  }
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== null));
}

/** The role a service plays by its name: `replica` for replica and replica-eu. */
function roleOf(name, roles) {
  return Object.keys(roles).find((role) => name === role || name.startsWith(`${role}-`));
}

/**
 * A Compose short port (`${LAB_BALANCER_PUBLISH:-127.0.0.1:9000}:9000`) in the long syntax,
 * published in host mode. A swarm cannot bind a published port to one address (the CLI drops
 * the IP with a warning), so the published part becomes a port of its own: the variable's name
 * plus _PORT (LAB_BALANCER_PUBLISH_PORT), defaulting to the Compose default's port.
 */
function hostModePort(short) {
  const variable = /^\$\{([A-Za-z_][A-Za-z0-9_]*):-(?:[^}]*:)?(\d+)\}:(.+)$/.exec(short);
  if (variable) {
    const [, name, port, target] = variable;
    return { target, published: `\${${name}_PORT:-${port}}`, protocol: 'tcp', mode: 'host' };
  }
  const literal = /^(?:.+:)?(\d+):(\d+)$/.exec(short);
  if (!literal) throw new Error(`gen-stack: cannot read the port "${short}"`);
  return { target: literal[2], published: literal[1], protocol: 'tcp', mode: 'host' };
}

/** A bind mount (`./servers.txt:/etc/…`): a host file, absent on the swarm's other nodes. */
const isBindMount = (volume) => typeof volume === 'string' && /^[./~]/.test(volume);

/** What every Compose service becomes in a stack, before its role's settings. */
function toStackService(service) {
  const result = clone(service);
  // Ignored by `docker stack deploy` (images are built with the Compose file).
  delete result.build;
  // Swarm starts every service at once and restarts tasks until their health checks pass;
  // the 20.10 loader refuses the Compose form with conditions.
  delete result.depends_on;
  const deploy = isMap(result.deploy) ? result.deploy : {};
  if (result.scale !== undefined) deploy.replicas = result.scale;
  delete result.scale;
  // DNS round robin, not a virtual IP: the balancer probes tasks one by one anyway, and VIPs
  // (and the ingress routing mesh) need the kernel's IPVS, which not every host has.
  deploy.endpoint_mode = 'dnsrr';
  const region = result.environment?.CDN_REGION;
  if (typeof region === 'string' && /^[a-z0-9-]+$/.test(region)) {
    deploy.placement = { constraints: [`node.labels.region == ${region}`] };
  }
  result.deploy = deploy;
  if (Array.isArray(result.volumes)) {
    result.volumes = result.volumes.filter((volume) => !isBindMount(volume));
    if (result.volumes.length === 0) delete result.volumes;
  }
  if (Array.isArray(result.ports)) result.ports = result.ports.map(hostModePort);
  return result;
}

/** The edge twin of a replica service: the same cache, with the edge role's settings. */
function edgeTwin(name, replica, roles) {
  const twinName = `edge${name.slice('replica'.length)}`;
  let twin = clone(replica);
  if (twin.environment?.CDN_ADMIN_ALLOWED_HOSTS === name) {
    twin.environment.CDN_ADMIN_ALLOWED_HOSTS = twinName;
  }
  twin = merge(twin, roles.edge ?? {});
  const target = replica.environment?.CDN_REPLICA_PORT;
  twin.ports = (twin.ports ?? []).map((port) => ({ target, ...port }));
  return [twinName, twin];
}

function sha(text) {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

function header(stack) {
  return [
    `# Generated by scripts/gen-stack.mjs (npm run gen:stack) from ${stack.from} and`,
    `# ${SETTINGS_FILE}: edit those, not this file. See docs/scale-out.md ("Docker Swarm").`,
    `#   docker stack deploy -c ${stack.to} cdn`,
  ].join('\n');
}

function serversList(stack, names) {
  return (
    `# Generated by scripts/gen-stack.mjs (npm run gen:stack) from ${stack.from}: the balancer's\n` +
    '# servers list in the stack (a swarm config). tasks.<service> resolves to every healthy task.\n' +
    `${names.map((name) => `tasks.${name}`).join('\n')}\n`
  );
}

/** The stack file and servers list for one Compose file, as text. */
async function renderStack(stack, settings) {
  const compose = parse(readFileSync(join(ROOT, stack.from), 'utf8'), { merge: true });
  const roles = settings.roles ?? {};
  const services = {};
  const discovered = [];
  for (const [name, service] of Object.entries(compose.services)) {
    const converted = toStackService(service);
    const role = roleOf(name, roles);
    services[name] = role ? merge(converted, roles[role]) : converted;
    if (role === 'replica') {
      const [twinName, twin] = edgeTwin(name, converted, roles);
      services[twinName] = twin;
      discovered.push(name, twinName);
    }
  }
  const servers = serversList(stack, discovered);
  const config = `servers-${sha(servers)}`;
  for (const service of Object.values(services)) {
    for (const entry of service.configs ?? [])
      if (entry.source === 'servers') entry.source = config;
  }
  const networks = {};
  for (const [name, network] of Object.entries(compose.networks ?? {})) {
    const result = { ...clone(network), driver: 'overlay', attachable: true };
    // The 3.x schema has no ip_range: Docker then gives tasks addresses from the whole subnet.
    for (const pool of result.ipam?.config ?? []) delete pool.ip_range;
    networks[name] = result;
  }
  const document = {
    version: STACK_VERSION,
    services,
    networks,
    volumes: compose.volumes,
    configs: { [config]: { file: `./${stack.servers}` } },
  };
  const text = `${header(stack)}\n\n${stringify(document, { lineWidth: 0, nullStr: '' })}`;
  const options = (await prettier.resolveConfig(join(ROOT, stack.to))) ?? {};
  return [
    { path: stack.to, text: await prettier.format(text, { ...options, parser: 'yaml' }) },
    { path: stack.servers, text: servers },
  ];
}

/** Every generated file (path relative to the repository root, and its text). */
export async function renderStacks() {
  const settings = parse(readFileSync(join(ROOT, SETTINGS_FILE), 'utf8'));
  const files = [];
  for (const stack of STACKS) files.push(...(await renderStack(stack, settings)));
  return files;
}

async function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const file of await renderStacks()) {
    const path = join(ROOT, file.path);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current === file.text) continue;
    stale.push(file.path);
    if (!check) writeFileSync(path, file.text);
  }
  if (check && stale.length > 0) {
    console.error(`gen-stack: out of date: ${stale.join(', ')} (run npm run gen:stack)`);
    process.exit(1);
  }
  console.log(
    check
      ? 'gen-stack: every stack file is up to date'
      : `gen-stack: ${stale.length === 0 ? 'nothing changed' : `wrote ${stale.join(', ')}`}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
