import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { RunningPeer } from './peers.js';

const CHILD = fileURLToPath(new URL('./peer-node-stream-child.js', import.meta.url));
const START_LIMIT_MS = 10_000;

/**
 * The runtime's ceiling for bulk downloads on this machine: a child process with a plain `net`
 * server writing `file`'s bytes from memory to each request (HTTP/1.1, Content-Length), so the
 * benchmark client reads it exactly as it reads nginx.
 */
export async function startNodeStreamPeer(file: string): Promise<RunningPeer> {
  const child = fork(CHILD, [file], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), START_LIMIT_MS);
  try {
    const exited = once(child, 'exit').then(() => {
      throw new Error('the bare-Node peer exited before it listened');
    });
    const [message] = (await Promise.race([once(child, 'message'), exited])) as [{ port: number }];
    exited.catch(() => undefined);
    return {
      port: message.port,
      pid: child.pid ?? 0,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.disconnect();
        await exited;
      },
    };
  } finally {
    clearTimeout(timer);
  }
}
