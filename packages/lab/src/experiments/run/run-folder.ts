import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '@cdn-lab/common';
import type { ExperimentReportData } from '@cdn-lab/report';
import type { RunSummary } from './summary-json.js';

/** Draws a report: the whole HTML page, and the same series as CSV. */
export interface ReportRenderer {
  html(data: ExperimentReportData): string;
  csv(data: ExperimentReportData): string;
}

export const RUN_FILES = ['scenario.yml', 'timeseries.csv', 'summary.json', 'report.html'] as const;

/**
 * Creates the run folder and writes a file into it, before anything starts: a folder that
 * cannot be written would otherwise lose the whole run at its end.
 */
export async function probeRunFolder(dir: string): Promise<void> {
  const probe = join(dir, '.cdn-lab-probe');
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(`--out ${dir}: cannot write the run folder there (${code})`, 2);
  }
}

/** Writes the run folder; returns the path of report.html. */
export async function writeRunFolder(
  dir: string,
  scenarioText: string,
  data: ExperimentReportData,
  summary: RunSummary,
  render: ReportRenderer,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const report = join(dir, 'report.html');
  await writeFile(join(dir, 'scenario.yml'), scenarioText);
  await writeFile(join(dir, 'timeseries.csv'), render.csv(data));
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(report, render.html(data));
  return report;
}

/** `.lab/runs/20261201-194500-replica-crash`: the default run folder, in UTC. */
export function defaultRunFolder(labDir: string, name: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'run';
  return join(labDir, 'runs', `${stamp}-${slug}`);
}
