import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentReportData } from '@cdn-lab/report';
import { runProgress } from './run-progress.js';
import { runVariant, type LabPlace, type VariantInput, type VariantRecord } from './run-variant.js';
import { variantSummary, type RunSummary } from './summary-json.js';
import { variantData } from './variant-data.js';
import { writeRunFolder, type ReportRenderer } from './run-folder.js';

export interface RunRequest {
  name: string;
  description: string;
  /** The scenario file exactly as given, and where it is. */
  text: string;
  file: string;
  /** The field compared (`strategy`), or null for one run. */
  compared: string | null;
  /** The `--set` overrides in force, as typed. */
  overrides: string[];
  variants: VariantInput[];
  out: string;
  /** The lab of variant i runs in `${place.dir}/variant-<i>`. */
  place: LabPlace;
  render: ReportRenderer;
  /** Ctrl-C: ends the variant running, skips the rest; what was recorded is written. */
  signal: AbortSignal;
  progress: NodeJS.WriteStream;
}

export interface RunResult {
  reportPath: string;
  summary: RunSummary;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why the run ended early, in the report's own words; null when it did not. */
function stoppedEarly(request: RunRequest, summary: RunSummary): string | null {
  if (summary.failure) {
    return `Stopped early: variant ${summary.failure.variant} failed (${summary.failure.reason}); the charts show the variants recorded before it.`;
  }
  if (summary.partial)
    return 'Stopped early (Ctrl-C): the charts show what was recorded until then.';
  return null;
}

/**
 * Each variant in a fresh lab of its own, one after the other; then the run folder. A variant
 * that fails ends the run: the variants recorded before it are written, and the failure named.
 */
export async function runScenario(request: RunRequest): Promise<RunResult> {
  const startedAt = new Date();
  const records: VariantRecord[] = [];
  let failure: RunSummary['failure'] = null;
  const progress = runProgress(request.progress);
  try {
    for (const [i, variant] of request.variants.entries()) {
      if (request.signal.aborted) break;
      const dir = join(request.place.dir, `variant-${i + 1}`);
      try {
        // A fresh lab: no logs, caches or servers.txt of an earlier run (the demo site is kept).
        await rm(join(dir, 'logs'), { recursive: true, force: true });
        records.push(
          await runVariant(variant, { ...request.place, dir }, request.signal, (state) =>
            progress.update(i + 1, request.variants.length, state),
          ),
        );
      } catch (error) {
        failure = { variant: variant.label, reason: reasonOf(error) };
        break;
      }
    }
  } finally {
    progress.stop();
  }
  const summary: RunSummary = {
    scenario: request.name,
    file: request.file,
    compared: request.compared,
    overrides: request.overrides,
    startedAt: startedAt.toISOString(),
    partial: request.signal.aborted || records.length < request.variants.length,
    failure,
    variants: records.map(variantSummary),
  };
  const early = stoppedEarly(request, summary);
  const data: ExperimentReportData = {
    title: early === null ? request.name : `${request.name} (partial: stopped early)`,
    description: early === null ? request.description : `${early} ${request.description}`,
    scenarioText: request.text,
    createdAt: startedAt.toISOString(),
    compared: request.compared,
    overrides: request.overrides,
    variants: records.map((record, i) =>
      variantData(record, request.variants[i]?.scenario.sampleMs ?? 1_000),
    ),
  };
  const reportPath = await writeRunFolder(request.out, request.text, data, summary, request.render);
  return { reportPath, summary };
}
