import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A temporary directory for one benchmark, removed afterwards. */
export async function withDir<T>(parent: string, name: string, body: (dir: string) => Promise<T>) {
  const dir = await mkdtemp(join(parent, `${name}-`));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** performance.now() `ms` from now. */
export function deadlineIn(ms: number): number {
  return performance.now() + ms;
}
