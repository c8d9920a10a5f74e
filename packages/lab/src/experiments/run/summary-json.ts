import type { LoadTotals } from './load-totals.js';
import type { VariantRecord } from './run-variant.js';
import type { StepRecord } from './timeline.js';
import { hitRatios } from './variant-data.js';

/** summary.json: the run's numbers for scripts (the report draws the same run). */
export interface RunSummary {
  scenario: string;
  file: string;
  compared: string | null;
  /** The `--set` overrides in force, as typed (`load.duration=5s`); scenario.yml is the file as given. */
  overrides: string[];
  startedAt: string;
  /** Stopped early (Ctrl-C, or a variant failed): the variants hold what was recorded until then. */
  partial: boolean;
  /** The variant that failed and why (the run stopped there), or null. */
  failure: { variant: string; reason: string } | null;
  variants: VariantSummary[];
}

export interface VariantSummary extends LoadTotals {
  label: string;
  originFetches: number;
  hitRatio: Record<string, number | null>;
  /** The steps and unexpected exits, times rounded to the ms. */
  events: StepRecord[];
  samples: number;
}

function roundMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export function variantSummary(record: VariantRecord): VariantSummary {
  return {
    label: record.label,
    ...record.totals,
    originFetches: record.samples.at(-1)?.originFetches ?? 0,
    hitRatio: hitRatios(record),
    events: record.steps.map((step) => ({
      ...step,
      t: roundMs(step.t),
      ...(step.endT === undefined ? {} : { endT: roundMs(step.endT) }),
      ...(step.lateS === undefined ? {} : { lateS: roundMs(step.lateS) }),
    })),
    samples: record.samples.length,
  };
}
