import { FAULT_NAMES, FAULT_TABLE, parsedField, yamlAndZod, type Faults } from '@cdn-lab/common';
import { MAX_REPLICAS } from '../../lab-options.js';
import type { TimelineAction, TimelineVerb } from './scenario.js';
import { durationMs } from './scenario-units.js';

export const TIMELINE_VERBS: readonly TimelineVerb[] = [
  'kill',
  'term',
  'fault',
  'heal',
  'drain',
  'undrain',
  'strategy',
  'scale',
  'origin',
  'region',
  'hot',
];

export function isTimelineVerb(key: string): key is TimelineVerb {
  return (TIMELINE_VERBS as readonly string[]).includes(key);
}

/** The fault table's admin fields, each with the table's bounds. */
function faultFields(z: ReturnType<typeof yamlAndZod>['z']) {
  return Object.fromEntries(
    FAULT_NAMES.map((name) => {
      const value = z.number().min(0);
      return [name, (FAULT_TABLE[name].unit === 'fraction' ? value.max(1) : value).optional()];
    }),
  ) as Record<keyof Faults, ReturnType<ReturnType<typeof z.number>['optional']>>;
}

function makeStepSchemas() {
  const { z } = yamlAndZod();
  const at = parsedField(
    z.union([z.number(), z.string()], { error: 'must be a time like 10s or 1.5s' }),
    durationMs,
  );
  const name = z.string().min(1);
  const state = z.enum(['down', 'up']);
  return {
    kill: z.strictObject({ at, kill: name }),
    term: z.strictObject({ at, term: name }),
    fault: z.strictObject({ at, fault: name, ...faultFields(z) }),
    heal: z.strictObject({ at, heal: name }),
    drain: z.strictObject({ at, drain: name }),
    undrain: z.strictObject({ at, undrain: name }),
    strategy: z.strictObject({ at, strategy: name }),
    scale: z.strictObject({ at, scale: z.number().int().min(1).max(MAX_REPLICAS) }),
    origin: z.strictObject({ at, origin: state }),
    region: z.strictObject({ at, region: name, state }),
    hot: z.strictObject({
      at,
      hot: z.string().startsWith('/', 'a path starts with /'),
      share: z.number().min(0).max(1).default(0.5),
    }),
  } satisfies Record<TimelineVerb, unknown>;
}

let schemas: ReturnType<typeof makeStepSchemas> | null = null;

export function stepSchemas(): ReturnType<typeof makeStepSchemas> {
  schemas ??= makeStepSchemas();
  return schemas;
}

type Parsed = { [V in TimelineVerb]: ReturnType<ReturnType<typeof makeStepSchemas>[V]['parse']> };

/** A checked step's fields as the action the runner carries out (`at` aside). */
export function actionOf<V extends TimelineVerb>(verb: V, fields: Parsed[V]): TimelineAction {
  const step = fields as Parsed[TimelineVerb];
  switch (verb) {
    case 'fault': {
      const fields = step as Parsed['fault'];
      const faults: Faults = {};
      for (const name of FAULT_NAMES) {
        const value = fields[name];
        if (value !== undefined) faults[name] = value;
      }
      return { verb, replica: fields.fault, faults };
    }
    case 'strategy':
      return { verb, strategy: (step as Parsed['strategy']).strategy };
    case 'scale':
      return { verb, replicas: (step as Parsed['scale']).scale };
    case 'origin':
      return { verb, state: (step as Parsed['origin']).origin };
    case 'region': {
      const { region, state } = step as Parsed['region'];
      return { verb, region, state };
    }
    case 'hot': {
      const { hot, share } = step as Parsed['hot'];
      return { verb, path: hot, share };
    }
    default: {
      const named = verb as 'kill' | 'term' | 'heal' | 'drain' | 'undrain';
      return {
        verb: named,
        replica: (step as Partial<Record<typeof named, string>>)[named] as string,
      };
    }
  }
}

/** The step as a user reads it: `kill replica-2`, `fault replica-3 delayMs=80`, `origin down`. */
export function labelOf(action: TimelineAction): string {
  switch (action.verb) {
    case 'fault': {
      const fields = Object.entries(action.faults).map(([name, value]) => `${name}=${value}`);
      return [`fault ${action.replica}`, ...fields].join(' ');
    }
    case 'strategy':
      return `strategy ${action.strategy}`;
    case 'scale':
      return `scale ${action.replicas}`;
    case 'origin':
      return `origin ${action.state}`;
    case 'region':
      return `region ${action.region} ${action.state}`;
    case 'hot':
      return `hot ${action.path} share=${action.share}`;
    default:
      return `${action.verb} ${action.replica}`;
  }
}
