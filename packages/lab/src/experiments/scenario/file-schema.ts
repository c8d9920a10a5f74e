import { parsedField, yamlAndZod, type ZodOutput } from '@cdn-lab/common';
import { MAX_REPLICAS, MAX_SHIELDS } from '../../lab-options.js';
import { durationMs, formatMs, sizeBytes } from './scenario-units.js';

export const SCENARIO_NAME = /^[a-z0-9-]+$/;
export const MIN_DURATION_MS = 1000;
export const MAX_DURATION_MS = 3_600_000;
export const DEFAULT_SAMPLE_MS = 1000;
export const DEFAULT_CLIENTS = 8;
export const DEFAULT_ZIPF = { objects: 200, s: 1, objectBytes: 16 * 1024 } as const;

function makeFileSchema() {
  const { z } = yamlAndZod();

  const numberOrText = z.union([z.number(), z.string()], {
    error: 'must be a number or text like 10s or 64MiB',
  });
  const duration = (minMs: number, maxMs: number) =>
    parsedField(numberOrText, (value) => {
      const ms = durationMs(value);
      if (typeof ms === 'string') return ms;
      return ms < minMs || ms > maxMs
        ? `${formatMs(ms)} is out of range: ${formatMs(minMs)} to ${formatMs(maxMs)}`
        : ms;
    });
  const size = parsedField(numberOrText, (value) => {
    const bytes = sizeBytes(value);
    return typeof bytes === 'number' && bytes < 1 ? 'must be 1 byte or more' : bytes;
  });
  const count = (min: number, max: number) => z.number().int().min(min).max(max);

  const lab = z.strictObject({
    replicas: count(1, MAX_REPLICAS).optional(),
    strategy: z.string().optional(),
    cacheBytes: size.optional(),
    ttl: duration(0, 86_400_000).optional(),
    topology: z.union([z.string().min(1), z.literal(true)]).optional(),
    shield: count(0, MAX_SHIELDS).default(0),
    maxObjectBytes: size.optional(),
    warm: z.boolean().default(false),
  });
  const zipf = z.strictObject({
    objects: count(1, 100_000).default(DEFAULT_ZIPF.objects),
    s: z.number().min(0).max(4).default(DEFAULT_ZIPF.s),
    objectBytes: size.default(DEFAULT_ZIPF.objectBytes),
  });
  const load = z.strictObject({
    clients: z
      .union([count(1, 1000), z.record(z.string(), count(0, 1000))], {
        error: 'must be a number of clients, or a map of region to clients like {eu: 4, us: 2}',
      })
      .default(DEFAULT_CLIENTS),
    mix: z
      .strictObject({ zipf: zipf.optional(), paths: z.string().min(1).optional() })
      .prefault({ zipf: {} }),
    rate: z.number().positive().max(1_000_000).optional(),
    duration: duration(MIN_DURATION_MS, MAX_DURATION_MS),
  });
  return z.strictObject({
    name: z.string().regex(SCENARIO_NAME, 'a name is lowercase letters, digits and -'),
    description: z.string().default(''),
    seed: count(0, 0xffffffff).default(1),
    sample: duration(100, 10_000).default(DEFAULT_SAMPLE_MS),
    lab: lab.prefault({}),
    load,
    timeline: z.array(z.unknown()).default([]),
    compare: z.record(z.string(), z.array(z.unknown()).min(1)).optional(),
  });
}

export type ScenarioFile = ZodOutput<ReturnType<typeof makeFileSchema>>;

let schema: ReturnType<typeof makeFileSchema> | null = null;

/** The file's shape; what depends on the lab (names, regions, times) is checked after. */
export function scenarioFileSchema(): ReturnType<typeof makeFileSchema> {
  schema ??= makeFileSchema();
  return schema;
}
