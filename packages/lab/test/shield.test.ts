import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLoad } from '@cdn-lab/client';
import { LAB_DEFAULTS } from '../src/lab-options.js';
import { startLab, type Lab } from '../src/lab.js';
import type { RoleProcess } from '../src/role-process.js';
import { logEvents, tempDir } from './helpers.js';

function idOf(role: RoleProcess | undefined): string {
  return role ? `${role.ready.host}:${role.ready.port}` : '';
}

/** GET through one replica over HTTP; the body and the replica's X-Cache. */
async function viaReplica(
  replica: RoleProcess | undefined,
  path: string,
): Promise<{ status: number; xCache: string; body: Buffer }> {
  const response = await fetch(`http://${idOf(replica)}${path}`);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, xCache: response.headers.get('x-cache') ?? '', body };
}

/** `miss; parent=<id> (<its X-Cache>)`: the parent that answered, and how. */
function parentOf(xCache: string): { id: string; status: string } | null {
  const match = /^miss; parent=(\S+) \((\w+)\)$/.exec(xCache);
  return match?.[1] && match[2] ? { id: match[1], status: match[2] } : null;
}

describe('cdn-lab up --shield 2: two edges behind a shield tier', () => {
  let lab: Lab;
  const cleanups: (() => Promise<unknown>)[] = [];
  let siteFile: (path: string) => Promise<Buffer>;

  before(async () => {
    const dir = await tempDir({ after: (fn) => cleanups.push(fn) });
    lab = await startLab({
      ...LAB_DEFAULTS,
      dir,
      replicas: 2,
      shields: 2,
      port: 0,
      originPort: 0,
      adminPort: 0,
      replicaNetwork: '127.0.7',
      shieldNetwork: '127.0.8',
      strategy: undefined,
      maxObjectBytes: 1024 * 1024,
      onLine: () => undefined,
    });
    siteFile = (path) => readFile(join(lab.siteDir, path.split('?')[0] ?? ''));
  });
  after(async () => {
    await lab?.stop();
    for (const cleanup of cleanups) await cleanup();
  });

  it('writes one parents file naming the shields, and an edge miss says which shield it came through', async () => {
    assert.ok(lab.parentsFile);
    const listed = (await readFile(lab.parentsFile, 'utf8'))
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    assert.deepEqual(listed, lab.shields.map(idOf));
    // The balancer was given the same file: it shows the shields apart from the edges.
    const adminUrl = lab.balancer.ready.adminUrl;
    assert.ok(adminUrl);
    const status = (await (await fetch(new URL('status', adminUrl))).json()) as {
      replicas: { id: string }[];
      shields: { id: string }[];
    };
    assert.deepEqual(status.shields.map((row) => row.id).sort(), lab.shields.map(idOf).sort());
    assert.deepEqual(status.replicas.map((row) => row.id).sort(), lab.replicas.map(idOf).sort());

    // Both edges asked directly (not through the balancer, which would send both to one).
    const first = await viaReplica(lab.replicas[0], '/objects/10k.bin');
    const second = await viaReplica(lab.replicas[1], '/objects/10k.bin');
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, await siteFile('/objects/10k.bin'));
    assert.deepEqual(second.body, first.body);
    const parent = parentOf(first.xCache);
    assert.ok(parent, `X-Cache "${first.xCache}" names the parent`);
    assert.ok(lab.shields.map(idOf).includes(parent.id), `${parent.id} is a shield`);
    assert.equal(parent.status, 'miss', 'the shield had to fetch it from the origin');
    // The path's owner among the shields is the same for every edge, and it has it already.
    assert.deepEqual(parentOf(second.xCache), { id: parent.id, status: 'hit' });
    assert.equal((await viaReplica(lab.replicas[0], '/objects/10k.bin')).xCache, 'hit');
  });

  it('a killed shield fails no download, and its paths come through the other one', async () => {
    const [victim, survivor] = lab.shields;
    assert.ok(victim && survivor);
    let killed = false;
    // Every path a new object (the query is part of its key), so the edges keep asking shields.
    const paths = Array.from({ length: 24 }, (_, i) =>
      i % 3 === 0 ? `/objects/1m.bin?kill=${i}` : `/objects/100k.bin?kill=${i}`,
    );
    const report = await runLoad({
      balancer: { host: lab.balancer.ready.host, port: lab.balancer.ready.port },
      paths,
      requests: 48,
      concurrency: 4,
      onProgress: ({ done }) => {
        if (done === 4 && !killed) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      },
    });
    assert.ok(killed);
    assert.equal(report.failed, 0, JSON.stringify(report.errorsByCode));
    assert.equal(report.ok, 48);
    const servers = Object.keys(report.perReplica);
    assert.ok(
      servers.every((id) => lab.replicas.map(idOf).includes(id)),
      `clients are routed to edges only: ${servers.join(', ')}`,
    );

    for (let i = 0; i < 6; i += 1) {
      for (const edge of lab.replicas) {
        const path = `/objects/1k.bin?after=${i}-${edge.name}`;
        const answer = await viaReplica(edge, path);
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, await siteFile(path));
        assert.equal(parentOf(answer.xCache)?.id, idOf(survivor), `${path}: ${answer.xCache}`);
      }
    }
  });

  it('stops the balancer, then the edges, then the shields, then the origin, which fetched each object once', async () => {
    const order: string[] = [];
    const running = [lab.balancer, ...lab.replicas, ...lab.shields, lab.origin].filter(
      (role) => role.child.exitCode === null && role.child.signalCode === null,
    );
    for (const role of running) void role.exited.then(() => order.push(role.name));
    await lab.stop();
    const stages = order.map((name) => name.replace(/-\d+$/, ''));
    assert.deepEqual(
      stages.filter((stage, i) => stage !== stages[i - 1]),
      ['balancer', 'replica', 'shield', 'origin'],
      order.join(', '),
    );
    // The origin's log is complete once it has exited.
    const requests = await logEvents(join(lab.logDir, 'origin.log'), 'request');
    const fetches = requests.filter((event) => event['path'] === '/objects/10k.bin');
    assert.equal(fetches.length, 1, 'two edges, one fetch: the shield asked the origin once');
  });
});
