import { extname } from 'node:path';

const BY_EXTENSION: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
};

/**
 * The Content-Type for an HTTP answer: the origin's when it sent one, else a guess from the
 * path's extension (query string ignored), else plain bytes.
 */
export function contentTypeOf(path: string, fromOrigin: string | null | undefined): string {
  if (fromOrigin) return fromOrigin;
  const pathname = path.split('?', 1)[0] ?? path;
  return BY_EXTENSION[extname(pathname).toLowerCase()] ?? 'application/octet-stream';
}
