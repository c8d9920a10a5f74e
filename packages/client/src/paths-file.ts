import { readFile } from 'node:fs/promises';
import { UserError } from '@cdn-lab/common';

/** Object paths for load mode: one a line, blank lines and `#` comments ignored. */
export function parsePathsFile(text: string, file: string): string[] {
  const paths: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (!line.startsWith('/')) {
      throw new UserError(`${file} line ${index + 1}: a path must start with "/": ${line}`);
    }
    paths.push(line);
  });
  if (paths.length === 0)
    throw new UserError(`${file} has no paths (one a line, starting with "/")`);
  return paths;
}

export async function readPathsFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : String(code);
    throw new UserError(`cannot read the paths file ${file}: ${why}`);
  }
  return parsePathsFile(text, file);
}
