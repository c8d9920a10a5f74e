import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { stopChild, type RunningPeer } from './peers.js';

const CHILD = fileURLToPath(new URL('./peer-accept-loop-child.js', import.meta.url));

/**
 * A bare Node `net.Server` in its own process that writes `answer` for every chunk a
 * connection sends: what Node itself accepts and answers on this machine, B1's peer for
 * new-connection routes (same client, same connection pattern).
 */
export async function startAcceptLoopPeer(answer: Buffer): Promise<RunningPeer> {
  const child = fork(CHILD, [answer.toString('base64')], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const started = await Promise.race([
    once(child, 'message') as Promise<[{ port: number }]>,
    once(child, 'exit').then(() => null),
  ]);
  if (!started) throw new Error('the bare net.Server peer exited before it listened');
  return { port: started[0].port, pid: child.pid ?? 0, stop: () => stopChild(child) };
}
