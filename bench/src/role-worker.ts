/**
 * A replica or balancer in its own process, so the benchmark client (this suite's main process)
 * does not share its event loop. Started by roles.ts with fork(); answers commands over IPC.
 */
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { openEventLog, type EventLog } from '@cdn-lab/common';
import { startReplica, type Faults, type ReplicaHandle } from '@cdn-lab/replica';
import { waitUntilUp } from './wait-until-up.js';
import type { WorkerCommand, WorkerReply, WorkerSpec } from './role-protocol.js';

const WAIT_UP_LIMIT_MS = 15_000;

function send(reply: WorkerReply): void {
  process.send?.(reply);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as WorkerSpec;
  let replica: ReplicaHandle | null = null;
  let balancer: BalancerHandle | null = null;
  let eventLog: EventLog | null = null;
  if (spec.role === 'replica') {
    eventLog = spec.logFile ? openEventLog('replica', spec.logFile) : null;
    replica = await startReplica({
      ...spec.options,
      host: spec.host ?? '127.0.0.1',
      port: spec.port ?? 0,
      ...(eventLog ? { log: eventLog.log } : {}),
    });
    send({ kind: 'ready', host: replica.endpoint.host, port: replica.endpoint.port });
  } else {
    balancer = await startBalancer({ ...spec.options, host: '127.0.0.1', port: 0 });
    await waitUntilUp(balancer, spec.expectUp, WAIT_UP_LIMIT_MS);
    send({ kind: 'ready', host: balancer.endpoint.host, port: balancer.endpoint.port });
  }
  process.on('message', (raw) => {
    const command = raw as WorkerCommand;
    void (async () => {
      let value: unknown = null;
      if (command.kind === 'faults' && replica) {
        replica.faults.clear();
        replica.faults.merge(command.faults as Faults);
      } else if (command.kind === 'strategy' && balancer) {
        balancer.setStrategy(command.name);
      } else if (command.kind === 'status') {
        value = replica ? replica.status() : balancer?.snapshot();
      } else if (command.kind === 'close') {
        await replica?.close();
        await balancer?.close();
        eventLog?.close();
        send({ kind: 'reply', id: command.id, value: null });
        process.disconnect();
        return;
      }
      send({ kind: 'reply', id: command.id, value });
    })();
  });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
});
