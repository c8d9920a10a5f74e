import { escapeHtml, htmlPage } from './html-page.js';
import type { ExperimentReportData, VariantData } from './report-data.js';

/** A summary value with nothing to show (a p99 of no requests). */
const NOTHING = '–';

/** The summary's columns: every variant's keys, in the order they first appear. */
function summaryColumns(variants: readonly VariantData[]): string[] {
  const columns = new Set<string>();
  for (const variant of variants) for (const key of Object.keys(variant.summary)) columns.add(key);
  return [...columns];
}

function summaryTable(variants: readonly VariantData[]): string {
  const columns = summaryColumns(variants);
  const head = ['variant', ...columns].map((name) => `<th>${escapeHtml(name)}</th>`).join('');
  const rows = variants.map((variant) => {
    const cells = columns.map((column) => {
      const value = variant.summary[column];
      const numeric = typeof value === 'number';
      const text = value === undefined ? '' : value === null ? NOTHING : String(value);
      return `<td${numeric ? ' class="num"' : ''}>${escapeHtml(text)}</td>`;
    });
    return `<tr><th scope="row">${escapeHtml(variant.label)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="summary"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A variant's value of the compared field: its label without the `field=` before it. */
function comparedValue(compared: string, label: string): string {
  return label.startsWith(`${compared}=`) ? label.slice(compared.length + 1) : label;
}

function header(data: ExperimentReportData): string {
  const { compared: field } = data;
  const compared = field
    ? `<p class="meta">Compared: <code>${escapeHtml(field)}</code> = ${data.variants
        .map((variant) => `<code>${escapeHtml(comparedValue(field, variant.label))}</code>`)
        .join(', ')}</p>`
    : '';
  const overrides = data.overrides
    .map((override) => ` <code>--set ${escapeHtml(override)}</code>`)
    .join('');
  const withOverrides = overrides ? ` with${overrides}` : '';
  return [
    '<header>',
    `<h1>${escapeHtml(data.title)}</h1>`,
    `<p class="description">${escapeHtml(data.description)}</p>`,
    `<p class="meta">Run started ${escapeHtml(data.createdAt)}${withOverrides} · drawn with uPlot, inlined: this file needs no network.</p>`,
    compared,
    '</header>',
  ].join('\n');
}

/**
 * The experiment report: one HTML file that opens from disk with no network. The charts are
 * drawn in the browser by assets/experiment-report.js from the data inlined as JSON; the
 * summary table and the scenario text are plain HTML, readable without scripts.
 */
export function renderExperimentReport(data: ExperimentReportData): string {
  const body = [
    header(data),
    '<main>',
    '<div id="charts"></div>',
    '<section class="summary-section"><h2>Summary</h2>',
    summaryTable(data.variants),
    '</section>',
    '<section class="scenario"><h2>Scenario</h2>',
    `<pre>${escapeHtml(data.scenarioText)}</pre>`,
    '</section>',
    '</main>',
  ].join('\n');
  return htmlPage({
    title: data.title,
    body,
    data,
    script: 'experiment-report.js',
  });
}
