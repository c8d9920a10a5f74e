import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../packages/replica/dist/src/cli.js', import.meta.url));
const START_LIMIT_MS = 20_000;
const STOP_LIMIT_MS = 5_000;

export interface ReplicaCli {
  pid: number;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** The real `cdn-replica` program (what a user runs), for measuring its process alone. */
export async function startReplicaCli(originUrl: string): Promise<ReplicaCli> {
  const child = spawn(
    process.execPath,
    [CLI, '--host', '127.0.0.1', '-p', '0', '--origin', originUrl],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
    await exited;
    clearTimeout(timer);
  };
  const address = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('cdn-replica did not start')), START_LIMIT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /serving on ([\d.]+):(\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ host: match[1] ?? '127.0.0.1', port: Number(match[2]) });
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`cdn-replica exited: ${text.trim()}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { pid: child.pid ?? 0, ...address, stop };
}
