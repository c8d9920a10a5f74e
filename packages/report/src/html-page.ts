import { readFileSync } from 'node:fs';
import { uplotAssets } from './uplot-assets.js';

/** packages/report/assets, from dist/src/. */
const ASSETS_DIR = new URL('../../assets/', import.meta.url);

/** A file of packages/report/assets (the browser-side code and style), as text. */
export function assetText(name: string): string {
  return readFileSync(new URL(name, ASSETS_DIR), 'utf8');
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * JSON that is safe inside a `<script>` element: every `<` is escaped, so no string in the data
 * (a scenario holding `</script>` or `<!--`) can end the element early.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** Inline code must not hold `</script`; uPlot's build does not, and this keeps it so. */
function inlineScript(code: string): string {
  return `<script>${code.replaceAll('</script', '<\\/script')}</script>`;
}

export interface PageParts {
  title: string;
  /** Trusted HTML: the renderer escapes every value it puts in. */
  body: string;
  data: unknown;
  /** The file in assets/ that draws the page's charts from its data. */
  script: string;
}

/** The helpers every page's script may use (formatting), inlined before it. */
const SHARED_SCRIPT = 'report-shared.js';
const STYLE = 'report.css';

/** One self-contained page: uPlot, the styles, the data and the drawing code, all inline. */
export function htmlPage(parts: PageParts): string {
  const uplot = uplotAssets();
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(parts.title)}</title>`,
    `<style>${uplot.css}</style>`,
    `<style>${assetText(STYLE)}</style>`,
    '</head>',
    '<body>',
    parts.body,
    `<script type="application/json" id="report-data">${scriptJson(parts.data)}</script>`,
    inlineScript(uplot.script),
    inlineScript(assetText(SHARED_SCRIPT)),
    inlineScript(assetText(parts.script)),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
