import { UserError } from '@cdn-lab/common';

/**
 * Every field `--set` and `--compare` may name, as dotted paths into the file. Their last
 * segments are unique, so a bare name (`strategy`) is enough.
 */
export const SCENARIO_FIELDS = [
  'name',
  'description',
  'seed',
  'sample',
  'lab.replicas',
  'lab.strategy',
  'lab.cacheBytes',
  'lab.ttl',
  'lab.topology',
  'lab.shield',
  'lab.maxObjectBytes',
  'lab.warm',
  'load.clients',
  'load.mix',
  'load.mix.zipf',
  'load.mix.zipf.objects',
  'load.mix.zipf.s',
  'load.mix.zipf.objectBytes',
  'load.mix.paths',
  'load.rate',
  'load.duration',
] as const;

/** Fields whose keys are the user's (region names): `load.clients.eu` is a field too. */
const OPEN_MAPS = ['load.clients'];

/** The fields a mapping at `prefix` may hold (`lab` → replicas, strategy, …). */
export function fieldsUnder(prefix: string): string[] {
  const start = prefix === '' ? '' : `${prefix}.`;
  const names = SCENARIO_FIELDS.filter((field) => field.startsWith(start))
    .map((field) => field.slice(start.length).split('.')[0] as string)
    .concat(prefix === '' ? ['timeline', 'compare'] : []);
  return [...new Set(names)];
}

/** `strategy` → `lab.strategy`; a dotted path is kept if it is a field; else a UserError. */
export function resolveField(name: string, context: string): string {
  if ((SCENARIO_FIELDS as readonly string[]).includes(name)) return name;
  if (OPEN_MAPS.some((map) => new RegExp(`^${map}\\.[a-z][a-z0-9-]*$`).test(name))) return name;
  if (!name.includes('.')) {
    const matches = SCENARIO_FIELDS.filter((field) => field.endsWith(`.${name}`));
    if (matches.length === 1) return matches[0] as string;
    if (matches.length > 1) {
      throw new UserError(`${context}: "${name}" could be ${matches.join(' or ')}; write one`, 2);
    }
  }
  throw new UserError(
    `${context}: "${name}" is not a scenario field; fields are ${SCENARIO_FIELDS.join(', ')}`,
    2,
  );
}
