import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { RunningPeer } from './peers.js';

const SERVER = fileURLToPath(new URL('./node-http-peer-server.js', import.meta.url));

/** The bare-Node HTTP peer (node-http-peer-server.ts) answering `size`-byte bodies. */
export async function startNodeHttpPeer(size: number): Promise<RunningPeer> {
  const child = fork(SERVER, [String(size)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [message] = (await once(child, 'message')) as [{ port: number }];
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
}
