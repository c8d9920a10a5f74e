import { existsSync, watch } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openEventLog } from '@cdn-lab/common';
import { startReplica, type ReplicaHandle, type ReplicaOptions } from '../src/index.js';
import { TestClient } from './test-client.js';
import { TestOrigin } from './test-origin.js';

export interface Setup {
  origin: TestOrigin;
  replica: ReplicaHandle;
  /** A connected native client, closed when the test ends. */
  client(): Promise<TestClient>;
  /** The replica's JSON log lines so far. */
  logEvents(): Promise<Record<string, unknown>[]>;
}

/**
 * An origin and a replica in front of it (port 0, loopback), all cleaned up after the test;
 * `fillOrigin` puts objects on the origin before the replica starts (its default object).
 */
export async function setup(
  t: TestContext,
  options: ReplicaOptions = {},
  fillOrigin: (origin: TestOrigin) => void = () => undefined,
): Promise<Setup> {
  const origin = await TestOrigin.start();
  fillOrigin(origin);
  t.after(() => origin.stop());
  const dir = await mkdtemp(join(tmpdir(), 'cdn-replica-test-'));
  const logFile = join(dir, 'replica.log');
  const created = fileCreated(dir, logFile);
  const eventLog = openEventLog('replica', logFile);
  // The log opens its file asynchronously; a flush before that would lose the lines.
  await created;
  t.after(() => rm(dir, { recursive: true, force: true }));
  const replica = await startReplica({
    origin: origin.url,
    port: 0,
    log: eventLog.log,
    ...options,
  });
  const clients: TestClient[] = [];
  t.after(async () => {
    for (const client of clients) client.close();
    await replica.close();
    eventLog.close();
  });
  return {
    origin,
    replica,
    client: async () => {
      const client = await TestClient.connect(replica.endpoint.port);
      clients.push(client);
      return client;
    },
    logEvents: async () => {
      eventLog.close();
      const text = await readFile(logFile, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

/** Resolves once `file` exists in `dir` (the watcher starts before the check, so nothing is missed). */
function fileCreated(dir: string, file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (existsSync(file)) done();
    });
    const done = (): void => {
      watcher.close();
      resolve();
    };
    if (existsSync(file)) done();
  });
}
