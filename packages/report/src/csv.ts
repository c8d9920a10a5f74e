import type { ExperimentReportData } from './report-data.js';

const HEADER = ['variant', 't_s', 'chart', 'series', 'value'];

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** Every series of every variant, one row per sample; a null value is an empty field. */
export function timeseriesCsv(data: ExperimentReportData): string {
  const lines = [csvLine(HEADER)];
  for (const variant of data.variants) {
    for (const series of variant.series) {
      variant.times.forEach((t, index) => {
        const value = series.values[index];
        lines.push(
          csvLine([
            variant.label,
            String(t),
            series.chart,
            series.name,
            value === null || value === undefined ? '' : String(value),
          ]),
        );
      });
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
