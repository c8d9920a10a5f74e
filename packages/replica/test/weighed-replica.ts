import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import type { ReplicaOptions } from '../src/index.js';
import type { Weight } from './weighed-replica-child.js';

export type { Weight };

export interface WeighedReplica {
  port: number;
  /** Its heap and off-heap memory after a full GC, and its cache figures. */
  weigh(): Promise<Weight>;
}

/**
 * A replica in a child process whose memory the test can weigh after a full GC (a child, so
 * neither the test's own objects nor a GC the test runner does not expose get in the way).
 */
export async function startWeighedReplica(
  t: TestContext,
  options: Omit<ReplicaOptions, 'log'>,
): Promise<WeighedReplica> {
  const child = fork(
    new URL('./weighed-replica-child.js', import.meta.url),
    [JSON.stringify(options)],
    { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.send('stop');
    await exited;
  });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    port: ready.port,
    weigh: async () => {
      const answer = once(child, 'message');
      child.send('weigh');
      const [weight] = (await answer) as [Weight];
      return weight;
    },
  };
}
