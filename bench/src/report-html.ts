import { renderBenchReport, type BenchReportData } from '@cdn-lab/report';
import { machineLines } from './report.js';
import type { BenchResult } from './types.js';

/** The results RESULTS.md is written from, as the HTML report's data. */
export function benchReportData(
  results: readonly BenchResult[],
  command: string,
  createdAt: Date = new Date(),
): BenchReportData {
  return {
    title: 'cdn-lab benchmark results',
    createdAt: createdAt.toISOString(),
    command,
    machine: machineLines().map((line) => line.replace(/^- /, '')),
    benchmarks: results.map((result) => ({
      id: result.id,
      title: result.title,
      runs: result.runs,
      rows: result.rows,
    })),
  };
}

/** bench/report.html: each benchmark's ours-vs-peer as bar charts, beside RESULTS.md. */
export function benchReportHtml(results: readonly BenchResult[], command: string): string {
  return renderBenchReport(benchReportData(results, command));
}
