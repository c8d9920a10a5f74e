import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isReadyMessage } from '@cdn-lab/common';

/** The origin's own program, started as a process (a role never imports another role). */
const ORIGIN_CLI = fileURLToPath(new URL('../../../origin/dist/src/cli.js', import.meta.url));

export interface DemoObject {
  path: string;
  size: number;
  sha256: string;
}

/** The lab's origin serving its demo site (objects up to 1 MiB), and the site's manifest. */
export async function demoOrigin(t: TestContext): Promise<{ url: string; objects: DemoObject[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-demo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const child = fork(
    ORIGIN_CLI,
    ['--demo', dir, '--serve', '--port', '0', '--max-object-bytes', '1MiB'],
    { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
  );
  t.after(() => {
    child.kill();
  });
  for (;;) {
    const [message] = (await once(child, 'message')) as [unknown];
    if (!isReadyMessage(message)) continue;
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      objects: DemoObject[];
    };
    return { url: `http://127.0.0.1:${message.port}`, objects: manifest.objects };
  }
}
