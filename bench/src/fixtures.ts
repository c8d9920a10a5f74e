import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startOrigin, type OriginHandle } from '@cdn-lab/origin';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Writes `count` files of `size` random bytes as <dir>/<prefix><i>.bin; returns their paths. */
export async function writeObjects(
  root: string,
  prefix: string,
  count: number,
  size: number,
): Promise<string[]> {
  await mkdir(root, { recursive: true });
  const paths: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const name = `${prefix}${index}.bin`;
    await writeFile(join(root, name), randomBytes(size));
    paths.push(`/${name}`);
  }
  return paths;
}

export async function startTestOrigin(root: string): Promise<OriginHandle> {
  return startOrigin({ root, host: '127.0.0.1', port: 0 });
}
