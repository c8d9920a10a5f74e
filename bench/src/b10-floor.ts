import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./b10-floor-child.js', import.meta.url));

export interface FloorTiming {
  zipf: { p50Us: number; p99Us: number };
  distinct: { p50Us: number; p99Us: number };
}

/** B10's decision floor, timed in a process of its own (see b10-floor-child.ts). */
export async function floorTiming(
  replicas: number,
  count: number,
  objects: number,
): Promise<FloorTiming> {
  const child = fork(CHILD, [String(replicas), String(count), String(objects)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [answer] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(() => [null]),
  ])) as [FloorTiming | null];
  if (child.exitCode === null) await once(child, 'exit');
  if (!answer) throw new Error('the decision floor exited without an answer');
  return answer;
}
