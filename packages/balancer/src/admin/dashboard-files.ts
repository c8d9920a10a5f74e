import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { HttpError, knownContentType } from '@cdn-lab/common';

/** packages/balancer/dashboard, from dist/src/admin/. */
const DASHBOARD_DIR = new URL('../../../dashboard/', import.meta.url);

const require = createRequire(import.meta.url);

/**
 * The charting library's files the page loads, by the name it asks for: found where npm
 * installed the package (hoisted or not), so the dashboard needs no internet and no copy.
 */
const LIBRARY_FILES: ReadonlyMap<string, string> = new Map([
  ['uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js'],
  ['uPlot.min.css', 'uplot/dist/uPlot.min.css'],
]);

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdn-lab balancer</title></head>
<body><h1>cdn-lab balancer</h1>
<p>The dashboard files are not installed. The admin API is here:
<a href="/status">/status</a>, <a href="/metrics">/metrics</a>, <a href="/events">/events</a>.</p>
</body></html>
`;

/**
 * Serves one file of the dashboard folder (a plain name, no folders) or of the charting
 * library; 404 when absent.
 */
export async function serveDashboardFile(res: ServerResponse, name: string): Promise<void> {
  const type = knownContentType(name);
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.') || !type) {
    throw new HttpError(404, `no dashboard file ${name}`);
  }
  let body: Buffer;
  try {
    body = await readFile(fileOf(name));
  } catch {
    if (name !== 'index.html') throw new HttpError(404, `no dashboard file ${name}`);
    body = Buffer.from(PLACEHOLDER);
  }
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': body.length,
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

/** Throws when a library file is not installed (the caller answers 404). */
function fileOf(name: string): URL | string {
  const library = LIBRARY_FILES.get(name);
  return library ? require.resolve(library) : new URL(name, DASHBOARD_DIR);
}
