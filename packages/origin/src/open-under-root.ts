import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';

export type OpenResult =
  | { kind: 'file'; handle: FileHandle; stats: Stats; fsPath: string }
  | { kind: 'missing' }
  | { kind: 'forbidden' };

const MISSING_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);
const FORBIDDEN_CODES = new Set(['EACCES', 'EPERM']);

function isInside(realRoot: string, candidate: string): boolean {
  return (
    candidate === realRoot ||
    candidate.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)
  );
}

/**
 * Opens the regular file the segments name under `realRoot` (a directory gives its
 * index.html). Symbolic links are followed only while they stay inside the root. The caller
 * owns the returned handle and must close it.
 */
export async function openUnderRoot(realRoot: string, segments: string[]): Promise<OpenResult> {
  try {
    return await openConfined(realRoot, join(realRoot, ...segments), true);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (MISSING_CODES.has(code)) return { kind: 'missing' };
    if (FORBIDDEN_CODES.has(code)) return { kind: 'forbidden' };
    throw error;
  }
}

async function openConfined(
  realRoot: string,
  candidate: string,
  mayBeDirectory: boolean,
): Promise<OpenResult> {
  const fsPath = await realpath(candidate);
  if (!isInside(realRoot, fsPath)) return { kind: 'missing' };
  // stat before open: opening a FIFO or device for reading could block or misbehave.
  const kind = await stat(fsPath);
  if (kind.isDirectory() && mayBeDirectory) {
    return openConfined(realRoot, join(fsPath, 'index.html'), false);
  }
  if (!kind.isFile()) return { kind: 'missing' };
  const handle = await open(fsPath, 'r');
  try {
    // The validators must describe the bytes this handle will send.
    return { kind: 'file', handle, stats: await handle.stat(), fsPath };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
