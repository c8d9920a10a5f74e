import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A servers-format file in a directory of its own (servers.txt, a parents file), and its edits. */
export interface TempServersFile {
  file: string;
  append(line: string): Promise<void>;
  write(lines: string[]): Promise<void>;
  remove(): Promise<void>;
}

export async function tempServersFile(
  lines: string[],
  name = 'servers.txt',
): Promise<TempServersFile> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-servers-test-'));
  const file = join(dir, name);
  const write = (next: string[]): Promise<void> =>
    writeFile(file, next.map((l) => `${l}\n`).join(''));
  await write(lines);
  return {
    file,
    write,
    append: (line) => appendFile(file, `${line}\n`),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
