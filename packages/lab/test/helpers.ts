import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDemoSite, type DemoManifest } from '@cdn-lab/origin';

/**
 * One demo site shared by the integration tests. The generator is deterministic and skips work
 * when the site is already complete, so only the first test run pays for writing it.
 */
export async function sharedDemoSite(): Promise<{ dir: string; manifest: DemoManifest }> {
  const dir = join(tmpdir(), 'cdn-lab-test-site');
  const { manifest } = await writeDemoSite(dir);
  return { dir, manifest };
}

export async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-lab-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function writeServersFile(path: string, endpoints: string[]): Promise<void> {
  await writeFile(path, `${endpoints.join('\n')}\n`);
}

/** The JSON-lines events of a role's log file whose `event` is `name`. */
export async function logEvents(path: string, name: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((event) => event['event'] === name);
}
