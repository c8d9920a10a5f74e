import { setTimeout as delay } from 'node:timers/promises';
import { requestRoute } from '@cdn-lab/client';
import { UserError } from '@cdn-lab/common';

/**
 * Resolves once the balancer routes to a replica. While none is up yet the balancer answers
 * at once with a retry-after, which paces this loop.
 */
export async function waitForRoutes(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await requestRoute({ host, port }, null);
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        const why = error instanceof Error ? error.message : String(error);
        throw new UserError(`the balancer had no healthy replica after ${timeoutMs} ms: ${why}`);
      }
      const retryAfterMs = (error as { retryAfterMs?: number }).retryAfterMs ?? 100;
      await delay(retryAfterMs);
    }
  }
}
