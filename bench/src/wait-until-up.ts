import type { BalancerHandle } from '@cdn-lab/balancer';

const WAIT_UP_STEP_MS = 25;

/** Resolves once the balancer sees `expected` replicas up; throws after `limitMs`. */
export async function waitUntilUp(
  balancer: BalancerHandle,
  expected: number,
  limitMs: number,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const up = balancer.snapshot().filter((replica) => replica.state === 'up').length;
    if (up >= expected) return;
    await new Promise((resolve) => setTimeout(resolve, WAIT_UP_STEP_MS));
  }
  throw new Error(`only some of ${expected} replicas came up within ${limitMs} ms`);
}
