import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Role } from './k8s-objects.js';

const PACKAGE_OF: Record<Role, string> = {
  origin: '@cdn-lab/origin',
  replica: '@cdn-lab/replica',
  balancer: '@cdn-lab/balancer',
  client: '@cdn-lab/client',
};

/**
 * The CDN_* variables a role reads: the `(env: CDN_…)` of its --help (commander prints one for
 * each envOption), from the built CLI, so a setting renamed in the code fails the manifests.
 */
export function settingsOf(role: Role): Set<string> {
  const known = cache.get(role) ?? helpSettings(role);
  cache.set(role, known);
  return new Set(known);
}

const cache = new Map<Role, Set<string>>();

function helpSettings(role: Role): Set<string> {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.resolve(PACKAGE_OF[role])));
  const help = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  // Help lines wrap at any space, "env:" and its name included.
  const names = help.replace(/\s+/g, ' ').matchAll(/env: (CDN_[A-Z0-9_]+)/g);
  return new Set([...names].map((match) => match[1] ?? ''));
}
