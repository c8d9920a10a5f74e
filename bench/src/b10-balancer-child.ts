/**
 * B10's balancer (started by b10-balancer.ts with fork()): a real balancer with default probe
 * settings over a servers file of responder addresses, which also times its own decisions on
 * request. A decision is `explain()`: the same `choose` every route runs (the views, the
 * placement, the strategy, the alternates), without counting the route.
 */
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { pipelinedRoutes } from './native.js';
import { deadlineIn } from './workspace.js';
import { waitUntilUp } from './wait-until-up.js';
import type { B10Command, B10Spec, DecisionTiming } from './b10-balancer-protocol.js';

const WAIT_UP_LIMIT_MS = 30_000;
/** Decisions per event-loop turn: short enough that the probes keep being answered. */
const BATCH = 200;
const PRIME_MS = 400;
/** Untimed decisions first, so the timed ones run optimised code. */
const WARM_UP = 2000;

/**
 * Real routes to every replica first (round-robin), so each carries a fading count of recent
 * routes as in service: without them the strategies that read it would skip its cost.
 */
async function routeToEveryReplica(balancer: BalancerHandle): Promise<void> {
  balancer.setStrategy('round-robin');
  const { host, port } = balancer.endpoint;
  await pipelinedRoutes(host, port, '/b10/prime.bin', 16, deadlineIn(PRIME_MS));
}

function percentile(sorted: Float64Array, share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
}

async function timeDecisions(
  balancer: BalancerHandle,
  strategy: string,
  client: string,
  paths: readonly string[],
): Promise<DecisionTiming> {
  balancer.setStrategy(strategy);
  for (let index = 0; index < Math.min(WARM_UP, paths.length); index += 1) {
    balancer.explain(client, paths[index] as string, null);
    if (index % BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const took = new Float64Array(paths.length);
  let chosen = 0;
  for (let start = 0; start < paths.length; start += BATCH) {
    const end = Math.min(paths.length, start + BATCH);
    for (let index = start; index < end; index += 1) {
      const path = paths[index] as string;
      const began = performance.now();
      const answer = balancer.explain(client, path, null);
      took[index] = (performance.now() - began) * 1000;
      if (answer.best) chosen += 1;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  took.sort();
  return { p50Us: percentile(took, 0.5), p99Us: percentile(took, 0.99), chosen };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as B10Spec;
  const balancer = await startBalancer({
    serversFile: spec.serversFile,
    topology: spec.topologyFile,
    host: '127.0.0.1',
    port: 0,
  });
  await waitUntilUp(balancer, spec.expectUp, WAIT_UP_LIMIT_MS);
  await routeToEveryReplica(balancer);
  process.send?.({ kind: 'ready' });
  process.on('message', (raw) => {
    const command = raw as B10Command;
    void (async () => {
      if (command.kind === 'time') {
        const value = await timeDecisions(
          balancer,
          command.strategy,
          command.client,
          command.paths,
        );
        process.send?.({ kind: 'reply', id: command.id, value });
      } else if (command.kind === 'memory') {
        // After a full collection (the child runs with --expose-gc), so heaps compare.
        (globalThis as { gc?: () => void }).gc?.();
        const { rss, heapUsed } = process.memoryUsage();
        process.send?.({ kind: 'reply', id: command.id, value: { rss, heapUsed } });
      } else {
        await balancer.close();
        process.send?.({ kind: 'reply', id: command.id, value: null });
        process.disconnect();
      }
    })();
  });
}

main().catch((error: unknown) => {
  process.send?.({
    kind: 'failed',
    message: error instanceof Error ? error.message : String(error),
  });
  process.exitCode = 1;
});
