import { adminRequest } from './admin-request.js';
import type { RoleProcess } from './role-process.js';

/** The faults cycled through, one replica at a time, each switched on then healed. */
const FAULTS: Record<string, unknown>[] = [
  { delayMs: 40 },
  { errorRate: 0.3 },
  { resetRate: 0.3 },
  { probeLoss: 1 },
  { bandwidthKBps: 2048 },
  { errorRate: 1 },
];

/**
 * Switches one fault on one replica, heals it, then the next, over the run: phases of a tenth
 * of the duration (at least 1 s), alternating on and off.
 */
export function cycleFaults(
  replicas: RoleProcess[],
  durationMs: number,
  applied: string[],
  say: (line: string) => void,
): { stop: () => Promise<void> } {
  const phaseMs = Math.max(1_000, Math.floor(durationMs / 10));
  let step = 0;
  let current: string | null = null;
  let busy: Promise<void> = Promise.resolve();
  const flip = async (): Promise<void> => {
    if (current) {
      await adminRequest(current, 'DELETE', undefined, undefined).catch(() => undefined);
      say(`healed ${current}`);
      current = null;
      return;
    }
    const replica = replicas[step % replicas.length];
    const fault = FAULTS[step % FAULTS.length];
    step += 1;
    if (!replica?.ready.adminUrl || !fault) return;
    current = `${replica.ready.adminUrl}faults`;
    await adminRequest(current, 'POST', fault, undefined).catch(() => undefined);
    const name = `${replica.name} ${JSON.stringify(fault)}`;
    applied.push(name);
    say(`fault on ${name}`);
  };
  const timer = setInterval(() => {
    busy = busy.then(flip);
  }, phaseMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      if (current) await flip();
    },
  };
}
