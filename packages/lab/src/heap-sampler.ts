import type { ChildProcess } from 'node:child_process';
import { isHeapReport, type HeapReport, type HeapReportRequest } from '@cdn-lab/common';
import type { RoleProcess } from './role-process.js';

let lastRequestId = 0;

/** Asks a role (over its IPC channel) for its heap after a full collection. */
export function requestHeapReport(child: ChildProcess, timeoutMs = 5_000): Promise<HeapReport> {
  lastRequestId += 1;
  const id = lastRequestId;
  return new Promise<HeapReport>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    const onMessage = (message: unknown): void => {
      if (!isHeapReport(message) || message.id !== id) return;
      finish();
      resolve(message);
    };
    const onExit = (): void => {
      finish();
      reject(new Error('the process exited before it reported its heap'));
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`no heap report within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ type: 'heap-report-request', id } satisfies HeapReportRequest, (error) => {
      if (!error) return;
      finish();
      reject(error);
    });
  });
}

export interface HeapSample {
  atMs: number;
  heapUsedBytes: number;
  residentBytes: number;
  /** A full collection ran before the measurement. */
  collected: boolean;
}

export interface HeapSampling {
  /** Takes a last sample of every role, stops, and returns each role's samples in order. */
  stop(): Promise<Map<RoleProcess, HeapSample[]>>;
}

/**
 * Samples every role's heap now, then every `intervalMs` until stopped. A sample still being
 * taken when the next is due makes that one skipped, not queued; a role that does not answer
 * just has a sample fewer (the judge wants enough of them).
 */
export function sampleHeaps(roles: RoleProcess[], intervalMs: number): HeapSampling {
  const started = performance.now();
  const samples = new Map<RoleProcess, HeapSample[]>(roles.map((role) => [role, []]));
  const sampleAll = async (): Promise<void> => {
    const atMs = performance.now() - started;
    await Promise.all(
      roles.map(async (role) => {
        const report = await requestHeapReport(role.child).catch(() => null);
        if (!report) return;
        samples.get(role)?.push({
          atMs,
          heapUsedBytes: report.heapUsedBytes,
          residentBytes: report.residentBytes,
          collected: report.collected,
        });
      }),
    );
  };
  let busy = false;
  let current: Promise<void> = Promise.resolve();
  const take = (): void => {
    if (busy) return;
    busy = true;
    current = sampleAll().finally(() => {
      busy = false;
    });
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await current;
      await sampleAll();
      return samples;
    },
  };
}
