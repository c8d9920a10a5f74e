import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ChildAsker } from './child-asker.js';
import type { B10Reply, B10Spec, DecisionTiming, MemoryFigures } from './b10-balancer-protocol.js';

const CHILD = fileURLToPath(new URL('./b10-balancer-child.js', import.meta.url));
const START_LIMIT_MS = 40_000;
const CLOSE_LIMIT_MS = 5_000;

type Body =
  | { kind: 'time'; strategy: string; client: string; paths: string[] }
  | { kind: 'memory' }
  | { kind: 'close' };

/** B10's balancer in a process of its own, up once every listed replica is. */
export class B10Balancer {
  private readonly asker: ChildAsker;

  private constructor(private readonly child: ChildProcess) {
    this.asker = new ChildAsker(child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(spec: B10Spec): Promise<B10Balancer> {
    const child = fork(CHILD, [JSON.stringify(spec)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: ['--expose-gc'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), START_LIMIT_MS);
    try {
      const first = await Promise.race([
        once(child, 'message') as Promise<[B10Reply]>,
        once(child, 'exit').then((): [B10Reply] => [{ kind: 'failed', message: 'exited' }]),
      ]);
      if (first[0].kind !== 'ready') {
        child.kill('SIGKILL');
        throw new Error(
          `the B10 balancer did not start: ${first[0].kind === 'failed' ? first[0].message : '?'}`,
        );
      }
      return new B10Balancer(child);
    } finally {
      clearTimeout(timer);
    }
  }

  private ask(body: Body): Promise<unknown> {
    return this.asker.ask(body);
  }

  async timeDecisions(strategy: string, client: string, paths: string[]): Promise<DecisionTiming> {
    const timing = (await this.ask({ kind: 'time', strategy, client, paths })) as DecisionTiming;
    if (timing.chosen !== paths.length) {
      throw new Error(`${strategy}: ${paths.length - timing.chosen} decisions found no replica`);
    }
    return timing;
  }

  async memory(): Promise<MemoryFigures> {
    return (await this.ask({ kind: 'memory' })) as MemoryFigures;
  }

  async stop(): Promise<void> {
    if (this.asker.exited) return;
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_LIMIT_MS);
    void this.ask({ kind: 'close' });
    await exited;
    clearTimeout(timer);
  }
}
