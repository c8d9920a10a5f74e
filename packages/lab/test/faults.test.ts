import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it, type TestContext } from 'node:test';
import { DEFAULT_TOPOLOGY_FILE, loadTopology, type Topology } from '@cdn-lab/common';
import { startOrigin } from '@cdn-lab/origin';
import type { BalancerHandle, ReplicaState } from '@cdn-lab/balancer';
import { replicaAdminUrl } from '../src/replica-admin-url.js';
import { spawnRole } from '../src/role-process.js';
import { sharedDemoSite, startCluster } from './helpers.js';

const labCli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const run = promisify(execFile);

async function faultsOf(adminUrl: string): Promise<unknown> {
  const status = (await (await fetch(`${adminUrl}status`)).json()) as { faults: unknown };
  return status.faults;
}

function stateReached(balancer: BalancerHandle, id: string, state: ReplicaState): Promise<void> {
  if (balancer.snapshot().find((view) => view.id === id)?.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const onChange = (change: { id: string; to: ReplicaState }): void => {
      if (change.id !== id || change.to !== state) return;
      balancer.events.off('replica-state', onChange);
      resolve();
    };
    balancer.events.on('replica-state', onChange);
  });
}

/** A replica process on `host` with an admin API on a free port; its admin URL. */
async function replicaWithAdmin(t: TestContext, host: string, args: string[]): Promise<string> {
  const site = await sharedDemoSite();
  const origin = await startOrigin({ root: site.dir, port: 0 });
  t.after(() => origin.close());
  const replica = await spawnRole('replica', 'replica-1', [
    ...['--host', host, '-p', '0', '--origin', origin.url, '--admin-port', '0'],
    ...args,
  ]);
  t.after(() => replica.stop('SIGKILL'));
  const adminUrl = replica.ready.adminUrl;
  assert.ok(adminUrl, 'the replica announces its admin URL');
  return adminUrl;
}

describe('cdn-lab fault / heal', { timeout: 30_000 }, () => {
  it('names lab replicas the way `up` places them', () => {
    assert.equal(replicaAdminUrl('replica-3'), 'http://127.0.1.3:9091/');
    assert.equal(replicaAdminUrl('3'), 'http://127.0.1.3:9091/');
    assert.equal(replicaAdminUrl('127.0.1.3'), 'http://127.0.1.3:9091/');
    assert.equal(replicaAdminUrl('2', '127.0.1', 7001), 'http://127.0.1.2:7001/');
    const world = (): Topology => loadTopology(DEFAULT_TOPOLOGY_FILE);
    assert.equal(replicaAdminUrl('replica-ap-2', '127.0.1', 9091, world), 'http://127.3.0.2:9091/');
    assert.throws(
      () => replicaAdminUrl('replica-mars-1', '127.0.1', 9091, world),
      /replica-mars-1: no region mars in .*three-regions\.yml \(eu, us, ap\)/,
    );
    assert.throws(() => replicaAdminUrl('replica-x'), /names no replica/);
    assert.throws(() => replicaAdminUrl('0'), /from 1 to 254/);
  });

  it('injects faults into a running replica and heals it', async (t) => {
    const adminUrl = await replicaWithAdmin(t, '127.0.9.1', ['--fault-jitter', '5ms']);
    assert.deepEqual(await faultsOf(adminUrl), { jitterMs: 5 }, 'a --fault-* flag is in force');

    const fault = await run(process.execPath, [
      ...[labCli, 'fault', 'replica-1', '--admin-url', adminUrl],
      ...['--delay', '50ms', '--error-rate', '0.5'],
    ]);
    assert.match(fault.stderr, /delayMs=50/);
    assert.deepEqual(await faultsOf(adminUrl), { delayMs: 50, jitterMs: 5, errorRate: 0.5 });

    await assert.rejects(
      run(process.execPath, [labCli, 'fault', 'replica-1', '--admin-url', adminUrl]),
      (error: { code?: number; stderr?: string }) =>
        error.code === 2 && /at least one fault/.test(error.stderr ?? ''),
    );

    const heal = await run(process.execPath, [labCli, 'heal', '1', '--admin-url', adminUrl]);
    assert.match(heal.stderr, /healed/);
    assert.deepEqual(await faultsOf(adminUrl), {});
  });

  it('with an admin token, fault and heal pass it (--token or CDN_ADMIN_TOKEN); without it, a 401', async (t) => {
    const adminUrl = await replicaWithAdmin(t, '127.0.9.2', ['--admin-token', 'lab-S3CRET']);
    const withoutToken = { ...process.env, CDN_ADMIN_TOKEN: '' };
    await assert.rejects(
      run(process.execPath, [labCli, 'fault', '1', '--admin-url', adminUrl, '--delay', '5ms'], {
        env: withoutToken,
      }),
      (error: { code?: number; stderr?: string }) =>
        error.code === 1 && /401/.test(error.stderr ?? ''),
    );
    assert.deepEqual(await faultsOf(adminUrl), {});
    await run(process.execPath, [
      ...[labCli, 'fault', '1', '--admin-url', adminUrl],
      ...['--delay', '5ms', '--token', 'lab-S3CRET'],
    ]);
    assert.deepEqual(await faultsOf(adminUrl), { delayMs: 5 });
    await run(process.execPath, [labCli, 'heal', '1', '--admin-url', adminUrl], {
      env: { ...process.env, CDN_ADMIN_TOKEN: 'lab-S3CRET' },
    });
    assert.deepEqual(await faultsOf(adminUrl), {});
  });

  it('says in one line when no replica admin answers', async () => {
    await assert.rejects(
      run(process.execPath, [labCli, 'heal', '1', '--admin-url', 'http://127.0.9.9:1/']),
      (error: { code?: number; stderr?: string }) =>
        error.code !== 0 && /no admin API answers/.test(error.stderr ?? ''),
    );
  });

  it('probeLoss 1 makes the balancer mark the replica down; heal brings it back', async (t) => {
    const { replicas, ids, balancer } = await startCluster(t, {
      count: 2,
      network: '127.0.9',
      admin: true,
    });
    const [victim] = replicas;
    const [victimId] = ids;
    assert.ok(victim?.ready.adminUrl && victimId);
    const down = stateReached(balancer, victimId, 'down');
    await run(process.execPath, [
      ...[labCli, 'fault', '1', '--admin-url', victim.ready.adminUrl, '--probe-loss', '1'],
    ]);
    await down;
    const up = stateReached(balancer, victimId, 'up');
    await run(process.execPath, [labCli, 'heal', '1', '--admin-url', victim.ready.adminUrl]);
    await up;
  });
});
