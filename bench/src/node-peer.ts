import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { stopChild, type RunningPeer } from './peers.js';

const START_LIMIT_MS = 10_000;

/**
 * Starts one of the bare-Node peers (`peer-*-child.ts` next to this file) in a process of its
 * own, so it shares no event loop with the benchmark client; it reports its port over IPC.
 */
export async function startNodePeer(
  child: string,
  args: string[],
  what: string,
): Promise<RunningPeer> {
  const script = fileURLToPath(new URL(`./${child}.js`, import.meta.url));
  const process = fork(script, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const timer = setTimeout(() => process.kill('SIGKILL'), START_LIMIT_MS);
  try {
    const started = await Promise.race([
      once(process, 'message') as Promise<[{ port: number }]>,
      once(process, 'exit').then(() => null),
    ]);
    if (!started) throw new Error(`${what} exited before it listened`);
    return { port: started[0].port, pid: process.pid ?? 0, stop: () => stopChild(process) };
  } finally {
    clearTimeout(timer);
  }
}
