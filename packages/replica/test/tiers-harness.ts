import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startReplica, type ReplicaHandle, type ReplicaOptions } from '../src/index.js';
import { TestClient } from './test-client.js';

/** A parents file in a temporary directory; `write` replaces it whole (rename into place). */
export interface ParentsFile {
  file: string;
  write(ids: readonly string[]): Promise<void>;
}

export async function parentsFile(t: TestContext, ids: readonly string[]): Promise<ParentsFile> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-parents-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'parents.txt');
  let version = 0;
  const write = async (list: readonly string[]): Promise<void> => {
    version += 1;
    const next = join(dir, `parents.${version}.tmp`);
    await writeFile(next, `${list.join('\n')}\n`);
    await rename(next, file);
  };
  await write(ids);
  return { file, write };
}

/** A replica on a free loopback port, closed when the test ends. */
export async function tierReplica(
  t: TestContext,
  origin: string,
  options: ReplicaOptions = {},
): Promise<ReplicaHandle> {
  const replica = await startReplica({ origin, port: 0, parentsReloadMs: 50, ...options });
  t.after(() => replica.close());
  return replica;
}

/** Shields (tier `shield`) in front of the origin, and a parents file listing them. */
export async function shields(
  t: TestContext,
  origin: string,
  count: number,
  options: ReplicaOptions = {},
): Promise<{ shields: ReplicaHandle[]; parents: ParentsFile }> {
  const list: ReplicaHandle[] = [];
  for (let n = 0; n < count; n += 1) {
    list.push(await tierReplica(t, origin, { tier: 'shield', ...options }));
  }
  const parents = await parentsFile(
    t,
    list.map((shield) => shield.endpoint.id),
  );
  return { shields: list, parents };
}

/** An edge whose parents are in `parents`. */
export function edge(
  t: TestContext,
  origin: string,
  parents: ParentsFile,
  options: ReplicaOptions = {},
): Promise<ReplicaHandle> {
  return tierReplica(t, origin, { parents: parents.file, ...options });
}

export async function nativeClient(t: TestContext, replica: ReplicaHandle): Promise<TestClient> {
  const client = await TestClient.connect(replica.endpoint.port);
  t.after(() => client.close());
  return client;
}

/** Polls `check` every few ms until it holds (for state only a re-read file changes). */
export async function eventually(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `list[index]`, which the test knows is there. */
export function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`no item ${index} in a list of ${list.length}`);
  return item;
}
