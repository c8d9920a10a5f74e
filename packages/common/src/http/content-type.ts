import { extname } from 'node:path';

const BY_EXTENSION: Readonly<Record<string, string>> = {
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
  '.bin': 'application/octet-stream',
};

const UNKNOWN = 'application/octet-stream';

/** The Content-Type named by a file name's or path's extension (query ignored), or null. */
export function knownContentType(nameOrPath: string): string | null {
  const pathname = nameOrPath.split('?', 1)[0] ?? nameOrPath;
  return BY_EXTENSION[extname(pathname).toLowerCase()] ?? null;
}

/** The Content-Type for a file name or path; unknown extensions are plain bytes. */
export function contentTypeFor(nameOrPath: string): string {
  return knownContentType(nameOrPath) ?? UNKNOWN;
}
