import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UserError, isReadyMessage, type ReadyMessage } from '@cdn-lab/common';

export type Role = 'origin' | 'replica' | 'balancer';

const PACKAGE_OF: Record<Role, string> = {
  origin: '@cdn-lab/origin',
  replica: '@cdn-lab/replica',
  balancer: '@cdn-lab/balancer',
};

/** The role's built CLI, found through its package so the lab works from any directory. */
export function roleCliPath(role: Role): string {
  return fileURLToPath(new URL('./cli.js', import.meta.resolve(PACKAGE_OF[role])));
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A role running as a child process, ready and listening. */
export interface RoleProcess {
  name: string;
  role: Role;
  child: ChildProcess;
  ready: ReadyMessage;
  exited: Promise<Exit>;
  /** Sends a signal and waits for the exit; escalates to SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  /** Called with each line the role prints on stderr. */
  onLine?: (name: string, line: string) => void;
  readyTimeoutMs?: number;
  /** Node.js options for the role's process, after the lab's own (`--expose-gc`, `--import …`). */
  execArgv?: string[];
  /** Called as soon as the process exists, with its stop, so that it can be stopped while starting. */
  onSpawned?: (stop: RoleProcess['stop']) => void;
}

/** Starts a role's CLI as a child process and resolves once it says it is ready. */
export async function spawnRole(
  role: Role,
  name: string,
  args: string[],
  options: SpawnOptions = {},
): Promise<RoleProcess> {
  // Detached: a Ctrl-C in the terminal reaches only the lab, which then stops the roles in order.
  const child = fork(roleCliPath(role), args, {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
    execArgv: [...process.execArgv, ...(options.execArgv ?? [])],
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);
  const lastLines: string[] = [];
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      lastLines.push(line);
      if (lastLines.length > 5) lastLines.shift();
      options.onLine?.(name, line);
    });
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 35_000): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  options.onSpawned?.(stop);
  const ready = await waitForReady(
    child,
    name,
    exited,
    lastLines,
    options.readyTimeoutMs ?? 20_000,
  );
  return { name, role, child, ready, exited, stop };
}

async function waitForReady(
  child: ChildProcess,
  name: string,
  exited: Promise<Exit>,
  lastLines: string[],
  timeoutMs: number,
): Promise<ReadyMessage> {
  let timer: NodeJS.Timeout | undefined;
  const ready = new Promise<ReadyMessage>((resolve) => {
    child.on('message', (message) => {
      if (isReadyMessage(message)) resolve(message);
    });
  });
  const failed = exited.then(async (exit) => {
    // Let the last stderr lines arrive: they say why the role gave up.
    if (child.stderr && !child.stderr.readableEnded) await once(child.stderr, 'end');
    const why = lastLines.at(-1) ?? `exit code ${exit.code ?? exit.signal}`;
    throw new UserError(`${name} stopped before it was ready: ${why}`);
  });
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new UserError(`${name} was not ready after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([ready, failed, timedOut]);
  } finally {
    clearTimeout(timer);
    failed.catch(() => undefined);
  }
}
