import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const labCli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
export const clientCli = fileURLToPath(new URL('./cli.js', import.meta.resolve('@cdn-lab/client')));

export interface RunningLabCli {
  child: ChildProcess;
  /** What `up` printed on stdout, up to and with its last line ("Ctrl-C stops everything."). */
  summary: string;
  stderr: string[];
}

/** Runs `cdn-lab up ARGS` and resolves once its summary is printed; killed after the test. */
export async function labCliUp(
  t: { after: (fn: () => unknown) => void },
  args: string[],
): Promise<RunningLabCli> {
  const child = spawn(process.execPath, [labCli, 'up', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const summary: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    summary.push(line);
    if (line.includes('Ctrl-C stops everything')) break;
  }
  return { child, summary: summary.join('\n'), stderr };
}

/** Whether a process of that id still exists (signal 0 only asks). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
