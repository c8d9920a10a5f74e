import { startReplica, type ReplicaOptions, type ReplicaStatus } from '../src/index.js';

/** What the child reports: its memory after two full GCs, and the replica's cache figures. */
export interface Weight {
  heapUsed: number;
  external: number;
  rss: number;
  cache: ReplicaStatus['cache'];
}

/**
 * A replica alone in a process started with --expose-gc (see weighed-replica.ts): it says its
 * port, then answers each 'weigh' with its memory after a full GC, and stops on 'stop'.
 */
async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const send = process.send?.bind(process);
  if (!gc || !send) throw new Error('start this with --expose-gc and an IPC channel');
  const options = JSON.parse(process.argv[2] ?? '{}') as ReplicaOptions;
  const replica = await startReplica({ port: 0, ...options });
  process.on('message', (message) => {
    if (message === 'stop') {
      void replica.close().then(() => process.exit(0));
      return;
    }
    gc();
    gc();
    const { heapUsed, external, rss } = process.memoryUsage();
    send({ heapUsed, external, rss, cache: replica.status().cache } satisfies Weight);
  });
  process.once('disconnect', () => void replica.close().then(() => process.exit(0)));
  send({ port: replica.endpoint.port });
}

void main();
