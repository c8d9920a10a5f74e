import { UserError, yamlAndZod } from '@cdn-lab/common';
import { resolveField } from './scenario-fields.js';

/** One field of the file replaced before it is checked (`--set`, or one value compared). */
export interface FieldOverride {
  /** A dotted path into the file: `lab.strategy`. */
  field: string;
  /** Parsed as YAML: `true`, `200`, `10s`, `consistent`. */
  value: unknown;
  /** The value as written, for labels and messages. */
  text: string;
  /** Who gave it, named in messages instead of a line: `--set`, `--compare` or `compare`. */
  origin: string;
  /** The file's line when the file gave it (its own `compare`), else null. */
  line: number | null;
}

/** One field, one variant per value. */
export interface Compare {
  field: string;
  values: FieldOverride[];
}

function splitAssignment(text: string, origin: string, example: string): [string, string] {
  const equals = text.indexOf('=');
  const field = text.slice(0, equals).trim();
  const value = text.slice(equals + 1).trim();
  if (equals < 0 || field === '' || value === '') {
    throw new UserError(`${origin} ${text}: write it as ${example}`, 2);
  }
  return [field, value];
}

function yamlValue(text: string, context: string): unknown {
  try {
    return yamlAndZod().yaml.parse(text) as unknown;
  } catch (error) {
    throw new UserError(`${context}: ${(error as Error).message.split('\n')[0]}`, 2);
  }
}

function override(field: string, text: string, origin: string): FieldOverride {
  const context = `${origin} ${field}=${text}`;
  return { field, value: yamlValue(text, context), text, origin, line: null };
}

/** `field=value` (`--set lab.ttl=2s`); a bare name that ends one field is that field. */
export function parseFieldOverride(text: string, origin = '--set'): FieldOverride {
  const [name, value] = splitAssignment(text, origin, 'field=value, e.g. lab.strategy=p2c-ewma');
  return override(resolveField(name, `${origin} ${text}`), value, origin);
}

/** `field=v1,v2,…` (`--compare strategy=consistent,p2c-ewma`). */
export function parseCompare(text: string, origin = '--compare'): Compare {
  const example = 'field=value,value,…, e.g. strategy=consistent,p2c-ewma';
  const [name, list] = splitAssignment(text, origin, example);
  const field = resolveField(name, `${origin} ${text}`);
  const texts = list.split(',').map((value) => value.trim());
  if (texts.some((value) => value === '')) {
    throw new UserError(`${origin} ${text}: a value is empty; write it as ${example}`, 2);
  }
  const twice = texts.find((value, i) => texts.indexOf(value) !== i);
  if (twice !== undefined) {
    throw new UserError(
      `${origin} ${text}: ${twice} is given twice; each value makes one variant`,
      2,
    );
  }
  return { field, values: texts.map((value) => override(field, value, origin)) };
}

/** The file's fields with the overrides written in (later ones win), ready for the schema. */
export function withOverrides(file: unknown, overrides: readonly FieldOverride[]): unknown {
  if (overrides.length === 0) return file;
  const top: Record<string, unknown> = isMapping(file) ? structuredClone(file) : {};
  for (const { field, value } of overrides) {
    const keys = field.split('.');
    let node = top;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      const child: Record<string, unknown> = isMapping(next) ? next : {};
      node[key] = child;
      node = child;
    }
    node[keys[keys.length - 1] as string] = value;
  }
  return top;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
