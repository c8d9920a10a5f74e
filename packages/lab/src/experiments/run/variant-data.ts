import { stateCode, type SeriesData, type VariantData } from '@cdn-lab/report';
import { sampleTimes } from './sample-intervals.js';
import type { VariantRecord } from './run-variant.js';

/** The variant's run-wide hit ratio per tier: hits ÷ (hits + misses) since the load started. */
export function hitRatios(record: VariantRecord): Record<string, number | null> {
  const ratios: Record<string, number | null> = {};
  for (const [tier, { hits, misses }] of record.hitTotals) {
    ratios[tier] = hits + misses === 0 ? null : hits / (hits + misses);
  }
  return ratios;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The columns a user compares across variants, in order. */
export function summaryRow(record: VariantRecord): Record<string, number | string> {
  const { totals } = record;
  const edge = hitRatios(record)['edge'];
  return {
    requests: totals.requests,
    failed: totals.failed,
    failovers: totals.failovers,
    'p50 ms': totals.ok === 0 ? '–' : round(totals.latencyMs.p50, 1),
    'p99 ms': totals.ok === 0 ? '–' : round(totals.latencyMs.p99, 1),
    'origin fetches': record.samples.at(-1)?.originFetches ?? 0,
    'hit ratio': edge === null || edge === undefined ? '–' : round(edge, 3),
  };
}

/** `scale 2 (late 0.7 s)`: a step that had to wait for the one before says so. */
function markerLabel(label: string, lateS: number, error: string | undefined): string {
  const late = lateS > 0 ? `${label} (late ${lateS.toFixed(1)} s)` : label;
  return error === undefined ? late : `${late} (failed: ${error})`;
}

/** The report's data of one variant: every chart's series over the samples, the markers, the row. */
export function variantData(record: VariantRecord, sampleMs: number): VariantData {
  const times = sampleTimes(record.endMs, sampleMs);
  const { samples } = record;
  const tiers = [...new Set(samples.flatMap((sample) => Object.keys(sample.hitRatio)))].sort();
  const hitRatio: SeriesData[] = tiers.map((tier) => ({
    chart: 'hitRatio',
    name: tier,
    values: samples.map((sample) => sample.hitRatio[tier] ?? null),
  }));
  const originFetches: SeriesData = {
    chart: 'originFetches',
    name: 'origin fetches',
    values: samples.map((sample) => sample.originFetches),
  };
  const states: SeriesData[] = record.roles.map((role) => ({
    chart: 'states',
    name: role,
    values: samples.map((sample) => stateCode(sample.states[role] ?? 'absent')),
  }));
  return {
    label: record.label,
    times,
    series: [
      ...record.buckets.series(times, record.regions, record.edges),
      ...hitRatio,
      originFetches,
      ...states,
    ],
    markers: record.steps.map(({ t, lateS, label, ok, error }) => ({
      t: round(t, 3),
      label: markerLabel(label, lateS ?? 0, error),
      ok,
    })),
    summary: summaryRow(record),
  };
}
