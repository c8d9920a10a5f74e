import { fork, type ChildProcess } from 'node:child_process';
import { ChildAsker } from './child-asker.js';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerReply, WorkerSpec } from './role-protocol.js';

const WORKER = fileURLToPath(new URL('./role-worker.js', import.meta.url));
const START_LIMIT_MS = 20_000;
const CLOSE_LIMIT_MS = 5_000;

type CommandBody =
  | { kind: 'faults'; faults: Record<string, number> }
  | { kind: 'strategy'; name: string }
  | { kind: 'status' }
  | { kind: 'close' };

/** A replica or balancer running in a child process. */
export class RoleProcess {
  private readonly asker: ChildAsker;

  private constructor(
    readonly child: ChildProcess,
    readonly host: string,
    readonly port: number,
  ) {
    this.asker = new ChildAsker(child);
  }

  get id(): string {
    return `${this.host}:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static async start(spec: WorkerSpec, execArgv: string[] = []): Promise<RoleProcess> {
    const child = fork(WORKER, [JSON.stringify(spec)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv,
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), START_LIMIT_MS);
    try {
      const [first] = (await once(child, 'message')) as [WorkerReply];
      if (first.kind !== 'ready') {
        child.kill('SIGKILL');
        throw new Error(
          `${spec.role} did not start: ${first.kind === 'failed' ? first.message : '?'}`,
        );
      }
      return new RoleProcess(child, first.host, first.port);
    } finally {
      clearTimeout(timer);
    }
  }

  command(body: CommandBody): Promise<unknown> {
    return this.asker.ask(body);
  }

  /** Asks the role to close, then kills it if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.asker.exited) return;
    const exited = once(this.child, 'exit');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_LIMIT_MS);
    void this.command({ kind: 'close' });
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.asker.exited) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}

export interface Cluster {
  replicas: RoleProcess[];
  balancer: RoleProcess;
  stop(): Promise<void>;
}

/** N replica processes behind an origin URL, and a balancer process that sees them all up. */
export async function startCluster(options: {
  dir: string;
  originUrl: string;
  replicas: number;
  strategy?: string;
  cacheBytes?: number;
}): Promise<Cluster> {
  const replicas = await Promise.all(
    Array.from({ length: options.replicas }, () =>
      RoleProcess.start({
        role: 'replica',
        options: { origin: options.originUrl, cacheBytes: options.cacheBytes },
      }),
    ),
  );
  const serversFile = join(options.dir, `servers-${replicas[0]?.port ?? 0}.txt`);
  await writeFile(serversFile, replicas.map((replica) => `${replica.id}\n`).join(''));
  let balancer: RoleProcess;
  try {
    balancer = await RoleProcess.start({
      role: 'balancer',
      options: { serversFile, strategy: options.strategy, legacySilenceMs: 0 },
      expectUp: replicas.length,
    });
  } catch (error) {
    await Promise.all(replicas.map((replica) => replica.stop()));
    throw error;
  }
  return {
    replicas,
    balancer,
    stop: async () => {
      await balancer.stop();
      await Promise.all(replicas.map((replica) => replica.stop()));
    },
  };
}

/** The peak resident set (VmHWM) of a Linux process, in bytes; 0 when it cannot be read. */
export async function peakRssBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** user + system CPU seconds a Linux process has used so far; 0 when it cannot be read. */
export async function cpuSeconds(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name; clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
