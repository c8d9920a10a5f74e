import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startBalancer, type BalancerHandle } from '@cdn-lab/balancer';
import { startOrigin, writeDemoSite, type DemoManifest, type OriginHandle } from '@cdn-lab/origin';
import { spawnRole, type RoleProcess } from '../src/role-process.js';

/**
 * One demo site shared by the integration tests. The generator is deterministic and skips work
 * when the site is already complete, so only the first test run pays for writing it.
 */
export async function sharedDemoSite(): Promise<{ dir: string; manifest: DemoManifest }> {
  const dir = join(tmpdir(), 'cdn-lab-test-site');
  const { manifest } = await writeDemoSite(dir);
  return { dir, manifest };
}

export async function tempDir(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cdn-lab-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The JSON-lines events of a role's log file whose `event` is `name`. */
export async function logEvents(path: string, name: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((event) => event['event'] === name);
}

export interface Cluster {
  origin: OriginHandle;
  replicas: RoleProcess[];
  /** Replica ids, `host:port`, in the order of `replicas`. */
  ids: string[];
  balancer: BalancerHandle;
}

/**
 * The shared demo site behind an in-process origin, `count` replica processes on
 * `${network}.1…` (so a test can kill them), and an in-process balancer (so a test can watch
 * its decisions), resolved once every replica is up. Everything is stopped after the test.
 */
export async function startCluster(
  t: { after: (fn: () => Promise<unknown>) => void },
  options: {
    count: number;
    network: string;
    logDir?: string;
    admin?: boolean;
    /** Extra flags for every replica. */
    replicaArgs?: string[];
    /** The balancer's strategy (default: the balancer's default). */
    strategy?: string;
  },
): Promise<Cluster> {
  const dir = await tempDir(t);
  const site = await sharedDemoSite();
  const origin = await startOrigin({ root: site.dir, port: 0 });
  t.after(() => origin.close());
  const replicas = await Promise.all(
    Array.from({ length: options.count }, (_, index) => {
      const i = index + 1;
      const log = options.logDir ? ['-l', join(options.logDir, `replica-${i}.log`)] : [];
      return spawnRole('replica', `replica-${i}`, [
        ...['--host', `${options.network}.${i}`, '-p', '0', '--origin', origin.url],
        ...['-w', '/index.html', ...log],
        ...(options.admin ? ['--admin-port', '0'] : []),
        ...(options.replicaArgs ?? []),
      ]);
    }),
  );
  t.after(() => Promise.all(replicas.map((replica) => replica.stop('SIGKILL'))));
  const ids = replicas.map(({ ready }) => `${ready.host}:${ready.port}`);
  const serversFile = join(dir, 'servers.txt');
  await writeFile(serversFile, `${ids.join('\n')}\n`);
  const balancer = await startBalancer({ port: 0, serversFile, strategy: options.strategy });
  t.after(() => balancer.close());
  const upCount = (): number => balancer.snapshot().filter((r) => r.state === 'up').length;
  while (upCount() < options.count) await once(balancer.events, 'replica-state');
  return { origin, replicas, ids, balancer };
}
