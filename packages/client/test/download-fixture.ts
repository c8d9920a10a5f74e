import { rm } from 'node:fs/promises';
import { after, afterEach, before } from 'node:test';
import type { DownloadOptions } from '../src/index.js';
import {
  startFakeBalancer,
  startFakeReplica,
  type FakeBalancer,
  type FakeReplica,
} from './fakes.js';
import { makeTempDir, type TempDir } from './temp.js';

export interface DownloadFixture {
  /** The test folder, emptied after each test. */
  readonly dir: TempDir;
  /** A fake replica, closed after the test. */
  replica(...args: Parameters<typeof startFakeReplica>): Promise<FakeReplica>;
  /** A fake balancer, closed after the test. */
  balancer(...args: Parameters<typeof startFakeBalancer>): Promise<FakeBalancer>;
  /** Options to download `path` through `through` into the test folder's `file`. */
  options(through: FakeBalancer, extra?: Partial<DownloadOptions>): DownloadOptions;
}

/** Fake replicas and balancers and a temp folder for the tests of the enclosing describe. */
export function downloadFixture(defaults: { path: string; file: string }): DownloadFixture {
  let dir: TempDir | null = null;
  const servers: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(server: T): T => {
    servers.push(server);
    return server;
  };
  const folder = (): TempDir => {
    if (!dir) throw new Error('the fixture folder exists only inside a test');
    return dir;
  };
  before(async () => {
    dir = await makeTempDir();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    for (const name of await folder().list()) await rm(folder().file(name));
  });
  after(() => folder().remove());
  return {
    get dir() {
      return folder();
    },
    replica: async (...args) => track(await startFakeReplica(...args)),
    balancer: async (...args) => track(await startFakeBalancer(...args)),
    options: (through, extra = {}) => ({
      balancer: through.address,
      path: defaults.path,
      sink: folder().file(defaults.file),
      timeoutMs: 5000,
      ...extra,
    }),
  };
}
