import { formatBytes } from '@cdn-lab/common';
import type { DownloadResult } from './download.js';
import type { LoadReport } from './load.js';

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function row(label: string, value: string): string {
  return `${label.padEnd(14)}${value}`;
}

function counts(title: string, entries: Record<string, number>, total: number): string[] {
  const sorted = Object.entries(entries).sort(([a], [b]) => a.localeCompare(b));
  if (sorted.length === 0) return [];
  const width = Math.max(...sorted.map(([name]) => name.length)) + 2;
  const lines = sorted.map(([name, count]) => {
    const share = total > 0 ? ` ${((100 * count) / total).toFixed(1).padStart(5)}%` : '';
    return `  ${name.padEnd(width)}${String(count).padStart(7)}${share}`;
  });
  return [title, ...lines];
}

/** The load report as a readable table. */
export function formatReport(report: LoadReport): string {
  const { latencyMs: latency } = report;
  const lines = [
    row('requests', `${report.requests} (${report.ok} ok, ${report.failed} failed)`),
    row(
      'duration',
      `${(report.durationMs / 1000).toFixed(2)} s, ${report.requestsPerSecond.toFixed(1)} requests/s`,
    ),
    row(
      'transferred',
      `${formatBytes(report.bytes)} verified, ${formatBytes(Math.round(report.bytesPerSecond))}/s`,
    ),
    row(
      'latency (ms)',
      `p50 ${ms(latency.p50)}  p90 ${ms(latency.p90)}  p99 ${ms(latency.p99)}  max ${ms(latency.max)}  mean ${ms(latency.mean)}`,
    ),
    row('failovers', String(report.failovers)),
    ...counts('per replica (ok requests)', report.perReplica, report.ok),
    ...counts('errors', report.errorsByCode, report.requests),
  ];
  return `${lines.join('\n')}\n`;
}

/** One line about a finished download, for the person at the terminal. */
export function formatDownload(result: DownloadResult): string {
  const where =
    result.output === null
      ? 'verified'
      : result.output === '-'
        ? 'wrote stdout'
        : `saved ${result.output}`;
  const failovers = result.failovers === 1 ? '1 failover' : `${result.failovers} failovers`;
  return (
    `${where}: ${result.path}, ${formatBytes(result.size)}, sha256 ok (${result.sha256.slice(0, 12)}…), ` +
    `served by ${result.servedBy.join(' then ')} (cache ${result.cache}), ${failovers}, ` +
    `${Math.round(result.ms)} ms`
  );
}
