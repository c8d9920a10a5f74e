import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RoleProcess } from '../../role-process.js';

/** An object a scenario's mix asks for that the demo site does not have. */
export interface MixObject {
  path: string;
  bytes: number;
}

/**
 * Writes the mix's objects into the lab's site before the origin starts: each its own bytes (its
 * path repeated), so that a replica serving one object for another fails verification.
 */
export async function writeMixObjects(
  siteDir: string,
  objects: readonly MixObject[],
): Promise<void> {
  for (const object of objects) {
    const file = join(siteDir, ...object.path.split('/').filter(Boolean));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, Buffer.alloc(object.bytes, `${object.path}\n`));
  }
}

/** Fetches every path through every edge over plain HTTP (not part of the load): warm caches. */
export async function warmEdges(
  edges: readonly RoleProcess[],
  paths: readonly string[],
): Promise<void> {
  await Promise.all(
    edges.map(async ({ ready }) => {
      for (const path of paths) {
        const answer = await fetch(`http://${ready.host}:${ready.port}${path}`);
        await answer.arrayBuffer();
      }
    }),
  );
}
