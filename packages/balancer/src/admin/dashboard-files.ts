import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { HttpError, knownContentType } from '@cdn-lab/common';

/** packages/balancer/dashboard, from dist/src/admin/. */
const DASHBOARD_DIR = new URL('../../../dashboard/', import.meta.url);

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cdn-lab balancer</title></head>
<body><h1>cdn-lab balancer</h1>
<p>The dashboard files are not installed. The admin API is here:
<a href="/status">/status</a>, <a href="/metrics">/metrics</a>, <a href="/events">/events</a>.</p>
</body></html>
`;

/** Serves one file of the dashboard folder (a plain name, no folders); 404 when absent. */
export async function serveDashboardFile(res: ServerResponse, name: string): Promise<void> {
  const type = knownContentType(name);
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.') || !type) {
    throw new HttpError(404, `no dashboard file ${name}`);
  }
  let body: Buffer;
  try {
    body = await readFile(new URL(name, DASHBOARD_DIR));
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
