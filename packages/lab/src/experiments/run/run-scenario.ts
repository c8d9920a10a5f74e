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

/** Each variant in a fresh lab of its own, one after the other; then the run folder. */
export async function runScenario(request: RunRequest): Promise<RunResult> {
  const startedAt = new Date();
  const records: VariantRecord[] = [];
  const progress = runProgress(request.progress);
  try {
    for (const [i, variant] of request.variants.entries()) {
      if (request.signal.aborted) break;
      const dir = join(request.place.dir, `variant-${i + 1}`);
      // A fresh lab: no logs, caches or servers.txt of an earlier run (the demo site is kept).
      await rm(join(dir, 'logs'), { recursive: true, force: true });
      records.push(
        await runVariant(variant, { ...request.place, dir }, request.signal, (state) =>
          progress.update(i + 1, request.variants.length, state),
        ),
      );
    }
  } finally {
    progress.stop();
  }
  const partial = request.signal.aborted || records.length < request.variants.length;
  const data: ExperimentReportData = {
    title: partial ? `${request.name} (partial: stopped early)` : request.name,
    description: partial
      ? `Stopped early (Ctrl-C): the charts show what was recorded until then. ${request.description}`
      : request.description,
    scenarioText: request.text,
    createdAt: startedAt.toISOString(),
    compared: request.compared,
    overrides: [],
    variants: records.map((record, i) =>
      variantData(record, request.variants[i]?.scenario.sampleMs ?? 1_000),
    ),
  };
  const summary: RunSummary = {
    scenario: request.name,
    file: request.file,
    compared: request.compared,
    startedAt: startedAt.toISOString(),
    partial,
    variants: records.map(variantSummary),
  };
  const reportPath = await writeRunFolder(request.out, request.text, data, summary, request.render);
  return { reportPath, summary };
}
